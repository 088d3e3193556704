// The flow every dialog that starts an operation shares (add replica, create cluster, remove
// replica, the role changes): ask the core for the plan (a dry run: nothing runs), show it,
// confirm (asked once more before anything that deletes), start, show what the core refused,
// close. Only the latest answer is shown: a later ask, a start or opening and closing the
// dialog makes an answer still on its way void. A plan remembers the choice it was made for,
// so a dialog tells a current plan from an old one. What to ask, the checks before asking and
// where a refusal's fields go stay the dialog's.
import { computed, ref, shallowRef, watch, type ComputedRef, type Ref, type ShallowRef } from 'vue'
import type { OperationPlan, OperationStartResult, OperationSummary } from '../../../shared/operations'
import { problemTitle, serverProblem, type FormProblem } from '../clusters/forms'

/** What is on its way: the plan (a dry run) or the start. */
export type PlanBusy = 'plan' | 'start' | null

/** What the core (or the dialog's own check) refused, as the dialog shows it. */
export interface StartProblem {
  title: string
  message: string
  code: string
}

/** A refusal sorted onto the dialog's fields (invalid_input), the rest in `message`. */
export type Refusal<F extends string> = FormProblem<F> & { code: string }

export interface PlanThenStartOptions<I, F extends string> {
  /** The dialog's v-model: opening starts afresh, closing voids what is on its way. */
  open: Ref<boolean>
  /** The input to send, or null when there is nothing to ask (the dialog said why). */
  input: () => I | null
  /** Ask the core: the dry run or the real start. */
  request: (input: I, dryRun: boolean) => Promise<OperationStartResult>
  /** The choice a plan is made for (a plan made for another is not current); default one choice. */
  choice?: () => string
  /** Asked once more before the real start; false: nothing starts. */
  confirmStart?: (input: I) => boolean | Promise<boolean>
  /** Fields a refusal's issues may name (invalid_input). */
  fields?: readonly F[]
  /** After the problem is shown: where the refusal's fields go. */
  refused?: (refusal: Refusal<F>, dryRun: boolean) => void
  /** A plan arrived (and is shown). */
  planned?: (plan: OperationPlan) => void
  /** The operation started; the dialog has been closed. */
  started: (operation: OperationSummary) => void
  /** Ask for the plan as soon as the dialog opens. */
  planOnOpen?: boolean
}

export interface PlanThenStart {
  plan: ShallowRef<OperationPlan | null>
  busy: Ref<PlanBusy>
  problem: ShallowRef<StartProblem | null>
  /** A plan is shown and was made for the current choice. */
  current: ComputedRef<boolean>
  /** Ask for the plan (a dry run); not while a start is on its way. */
  showPlan: () => Promise<void>
  /** Start it (after confirmStart), then close the dialog. */
  start: () => Promise<void>
  /** The input changed: the plan and the problem shown no longer apply. */
  forget: () => void
  /** The dialog's own check refused the input: no plan; `message`, what belongs to no field. */
  invalidInput: (message: string | null) => void
}

export function usePlanThenStart<I, F extends string = never>(options: PlanThenStartOptions<I, F>): PlanThenStart {
  const plan = shallowRef<OperationPlan | null>(null)
  const busy = ref<PlanBusy>(null)
  const problem = shallowRef<StartProblem | null>(null)
  const plannedFor = ref<string | null>(null)
  const choice = () => options.choice?.() ?? ''
  const current = computed(() => plan.value !== null && plannedFor.value === choice())
  let asks = 0

  function forget(): void {
    plan.value = null
    plannedFor.value = null
    problem.value = null
  }

  function invalidInput(message: string | null): void {
    plan.value = null
    plannedFor.value = null
    if (message) problem.value = { title: problemTitle('invalid_input'), message, code: 'invalid_input' }
  }

  function refuse(err: unknown, dryRun: boolean): void {
    const refusal = serverProblem(err, options.fields ?? [])
    problem.value = refusal.message ? { title: problemTitle(refusal.code), message: refusal.message, code: refusal.code } : null
    if (dryRun) {
      plan.value = null
      plannedFor.value = null
    }
    options.refused?.(refusal, dryRun)
  }

  /** One question to the core; only the latest one's answer is used. */
  async function ask(input: I, dryRun: boolean): Promise<void> {
    const mine = ++asks
    const forChoice = choice()
    busy.value = dryRun ? 'plan' : 'start'
    problem.value = null
    try {
      const result = await options.request(input, dryRun)
      if (!result.dryRun) {
        options.open.value = false
        options.started(result.operation)
      } else if (mine === asks) {
        plan.value = result.plan
        plannedFor.value = forChoice
        options.planned?.(result.plan)
      }
    } catch (err) {
      if (mine === asks) refuse(err, dryRun)
    } finally {
      if (mine === asks) busy.value = null
    }
  }

  async function showPlan(): Promise<void> {
    if (busy.value === 'start') return
    const input = options.input()
    if (input !== null) await ask(input, true)
  }

  async function start(): Promise<void> {
    if (busy.value) return
    const input = options.input()
    if (input === null) return
    if (options.confirmStart && !(await options.confirmStart(input))) return
    await ask(input, false)
  }

  watch(options.open, (isOpen) => {
    asks++ // an answer still on its way is for the dialog as it was
    busy.value = null
    if (!isOpen) return
    forget()
    if (options.planOnOpen) void showPlan()
  })

  return { plan, busy, problem, current, showPlan, start, forget, invalidInput }
}
