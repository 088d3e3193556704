// Host prepare as the UI uses it: the checks of each host (cached per host name, also filled by
// a connection test, which runs the same checks), the plans and starts of the install and the
// sudo rule (journaled operations: their progress comes through the operations store), host
// clean (plan, then removal), and where a new member of a cluster could go (the core's ranking).
import { defineStore } from 'pinia'
import { reactive, ref } from 'vue'
import type { AppError } from '../../../shared/errors'
import type { OperationPlan, OperationSummary } from '../../../shared/operations'
import type { HostCandidate, HostCleaned, PrepareReport } from '../../../shared/prepare'
import { asAppError } from './errors'
import { useBridge } from './bridge'
import { useHostsStore } from './hosts'
import { useHostTestsStore } from './hostTests'
import { useOperationsStore } from './operations'

export type PrepareAction = 'install' | 'sudoRule'

export interface CheckOutcome {
  at: string
  report?: PrepareReport
  error?: AppError
}

export const usePrepareStore = defineStore('prepare', () => {
  const { client } = useBridge()
  const hosts = useHostsStore()
  const tests = useHostTestsStore()
  const operations = useOperationsStore()

  const outcomes = reactive(new Map<string, CheckOutcome>())
  const checking = reactive(new Set<string>())
  const candidates = reactive(new Map<string, HostCandidate[]>())

  /** Runs the checks of one host; resolves to the report, or null when they could not run (the outcome says why). */
  async function check(name: string): Promise<PrepareReport | null> {
    if (checking.has(name)) return null
    checking.add(name)
    try {
      const r = await client.host.prepare({ name })
      if (!('checks' in r)) return null
      outcomes.set(name, { at: new Date().toISOString(), report: r })
      return r
    } catch (err) {
      outcomes.set(name, { at: new Date().toISOString(), error: asAppError(err) })
      return null
    } finally {
      checking.delete(name)
    }
  }

  /** The last checks of a host: its own, else those of its last connection test. */
  function reportOf(name: string): PrepareReport | undefined {
    const own = outcomes.get(name)?.report
    if (own) return own
    const record = hosts.hosts.find((h) => h.name === name)
    const tested = record ? tests.outcomeOf(record)?.result : undefined
    return tested?.prepare
  }

  const errorOf = (name: string): AppError | undefined => (reportOf(name) ? undefined : outcomes.get(name)?.error)

  /** Checks the hosts that have no answer yet (a picker opened). */
  function ensure(names: readonly string[]): void {
    for (const name of names) if (!reportOf(name) && !outcomes.has(name) && !checking.has(name)) void check(name)
  }

  const actionInput = (name: string, action: PrepareAction) => (action === 'install' ? { name, install: true } : { name, sudoRule: true })

  /** The plan of an install or of the sudo rule (a dry run: nothing runs). */
  async function plan(name: string, action: PrepareAction): Promise<OperationPlan> {
    const r = await client.host.prepare({ ...actionInput(name, action), dryRun: true })
    if (!('dryRun' in r) || !r.dryRun) throw new Error(`host.prepare answered no plan for ${name}`)
    return r.plan
  }

  /** Starts it; its progress and end come through the operations store. */
  async function start(name: string, action: PrepareAction): Promise<OperationSummary> {
    const r = await client.host.prepare({ ...actionInput(name, action), yes: true })
    if (!('dryRun' in r) || r.dryRun) throw new Error(`host.prepare started nothing on ${name}`)
    operations.put(r.operation)
    return r.operation
  }

  /** What a clean would remove, and what stays. */
  async function cleanPlan(name: string): Promise<{ plan: OperationPlan; left: string[] }> {
    const r = await client.host.clean({ name, dryRun: true })
    if (!r.dryRun) throw new Error(`host.clean removed instead of planning on ${name}`)
    return { plan: r.plan, left: r.left }
  }

  async function clean(name: string): Promise<HostCleaned> {
    const r = await client.host.clean({ name, yes: true })
    if (r.dryRun) throw new Error(`host.clean planned instead of removing on ${name}`)
    outcomes.delete(name)
    return r
  }

  /** Where a new member of this cluster could go (every host record, ranked); null when it could not be read. */
  async function loadCandidates(cluster: string): Promise<HostCandidate[] | null> {
    try {
      const list = await client.cluster.candidates({ cluster })
      candidates.set(cluster, list)
      return list
    } catch {
      return null
    }
  }

  /** Hosts a forgotten cluster left unused, waiting for the Hosts screen to offer their clean one after another. */
  const cleanQueue = ref<string[]>([])
  const requestClean = (names: readonly string[]) => void (cleanQueue.value = [...new Set([...cleanQueue.value, ...names])])
  const nextClean = (): string | undefined => cleanQueue.value.shift()

  return { outcomes, checking, candidates, check, reportOf, errorOf, ensure, plan, start, cleanPlan, clean, loadCandidates, cleanQueue, requestClean, nextClean }
})
