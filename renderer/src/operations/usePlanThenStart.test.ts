import { describe, expect, it, vi } from 'vitest'
import { nextTick, ref } from 'vue'
import { AppError } from '../../../shared/errors'
import type { OperationPlan, OperationStartResult } from '../../../shared/operations'
import { op } from './testing'
import { usePlanThenStart, type PlanThenStartOptions } from './usePlanThenStart'

const planFor = (title: string): OperationPlan => ({ kind: 'pg-switchover', clusterId: 'c1', title, summary: [`${title}.`], members: ['pg1'], steps: [] })

/** A request whose answers the test gives, one per call, in any order. */
function pending() {
  const calls: { dryRun: boolean; input: string; answer: (r: OperationStartResult) => void; refuse: (e: unknown) => void }[] = []
  const request = vi.fn(
    (input: string, dryRun: boolean) =>
      new Promise<OperationStartResult>((answer, refuse) => {
        calls.push({ dryRun, input, answer, refuse })
      }),
  )
  return { calls, request }
}

function setup(over: Partial<PlanThenStartOptions<string, 'port'>> = {}) {
  const open = ref(false)
  const choice = ref('a')
  const { calls, request } = pending()
  const started = vi.fn()
  const flow = usePlanThenStart<string, 'port'>({ open, input: () => 'in', request, choice: () => choice.value, started, ...over })
  return { open, choice, calls, request, started, flow }
}

const settle = async () => {
  for (let i = 0; i < 3; i++) await nextTick()
}

describe('usePlanThenStart', () => {
  it('asks for the plan, shows it as current for the choice it was made for', async () => {
    const { calls, flow, choice } = setup()
    const asked = flow.showPlan()
    expect(flow.busy.value).toBe('plan')
    expect(calls[0]).toMatchObject({ dryRun: true, input: 'in' })
    calls[0]!.answer({ dryRun: true, plan: planFor('p1') })
    await asked
    expect(flow.plan.value?.title).toBe('p1')
    expect(flow.busy.value).toBeNull()
    expect(flow.current.value).toBe(true)
    choice.value = 'b'
    expect(flow.current.value).toBe(false) // still shown, made for another choice
    expect(flow.plan.value?.title).toBe('p1')
  })

  it('shows only the latest answer', async () => {
    const { calls, flow } = setup()
    const first = flow.showPlan()
    const second = flow.showPlan()
    calls[1]!.answer({ dryRun: true, plan: planFor('second') })
    await second
    calls[0]!.answer({ dryRun: true, plan: planFor('first') })
    await first
    expect(flow.plan.value?.title).toBe('second')
    expect(flow.busy.value).toBeNull()
  })

  it('asks nothing when the input does not pass its checks', async () => {
    const { request, flow } = setup({ input: () => null })
    await flow.showPlan()
    await flow.start()
    expect(request).not.toHaveBeenCalled()
  })

  it('starts only once confirmed; then closes and hands over the operation', async () => {
    let yes = false
    const { open, calls, request, started, flow } = setup({ confirmStart: () => Promise.resolve(yes) })
    open.value = true
    await settle()
    await flow.start()
    expect(request).not.toHaveBeenCalled()
    yes = true
    const starting = flow.start()
    await settle()
    expect(flow.busy.value).toBe('start')
    void flow.showPlan() // not while a start is on its way
    expect(calls).toHaveLength(1)
    const operation = op({ name: 'switchover' })
    calls[0]!.answer({ dryRun: false, operation })
    await starting
    expect(open.value).toBe(false)
    expect(started).toHaveBeenCalledWith(operation)
  })

  it("shows the core's refusal; a refused dry run leaves no plan, a refused start keeps the one shown", async () => {
    const refused = vi.fn()
    const { calls, flow } = setup({ fields: ['port'], refused })
    const planned = flow.showPlan()
    calls[0]!.answer({ dryRun: true, plan: planFor('p1') })
    await planned
    const starting = flow.start()
    calls[1]!.refuse(new AppError('preflight_failed', 'pg3 cannot take over now: not reachable.'))
    await starting
    expect(flow.problem.value).toEqual({ title: 'A pre-flight check refused it (nothing was changed)', message: 'pg3 cannot take over now: not reachable.', code: 'preflight_failed' })
    expect(flow.plan.value?.title).toBe('p1')
    const again = flow.showPlan()
    expect(flow.problem.value).toBeNull()
    calls[2]!.refuse(new AppError('invalid_input', 'bad', [{ path: ['port'], message: 'Too big' }]))
    await again
    expect(flow.plan.value).toBeNull()
    expect(flow.current.value).toBe(false)
    expect(flow.problem.value).toBeNull() // everything it said belongs to a field
    expect(refused).toHaveBeenLastCalledWith(expect.objectContaining({ fields: { port: 'Too big' }, code: 'invalid_input' }), true)
  })

  it('opening starts afresh (and plans at once when asked to); closing voids an answer on its way', async () => {
    const { open, calls, flow } = setup({ planOnOpen: true })
    open.value = true
    await settle()
    expect(calls).toHaveLength(1)
    open.value = false
    await settle()
    calls[0]!.answer({ dryRun: true, plan: planFor('late') })
    await settle()
    expect(flow.plan.value).toBeNull()
    expect(flow.busy.value).toBeNull()
    open.value = true
    await settle()
    calls[1]!.answer({ dryRun: true, plan: planFor('fresh') })
    await settle()
    expect(flow.plan.value?.title).toBe('fresh')
    open.value = false
    await settle()
    open.value = true
    await settle()
    expect(flow.plan.value).toBeNull() // a new opening shows nothing of the last one
    expect(calls).toHaveLength(3)
  })
})
