// The flow of the Prepare wizard, apart from its widgets: the checks of one host, then an
// action's plan (install PostgreSQL, write the sudo rule), its run followed through the
// operations store (checked again when it succeeded), or host clean's list, then the removal.
import { computed, ref, shallowRef, watch, type Ref } from 'vue'
import type { OperationPlan } from '../../../shared/operations'
import type { HostCleaned } from '../../../shared/prepare'
import { asAppError } from '../stores/errors'
import { useOperationsStore } from '../stores/operations'
import { usePrepareStore, type PrepareAction } from '../stores/prepare'

export type WizardStage = 'checks' | 'plan' | 'running' | 'clean-plan' | 'cleaned'

const SUDO_CHECKS = ['become-postgres', 'root-install', 'root-address']

export function usePrepareWizard(host: Ref<string | null>, open: Ref<boolean>) {
  const prepare = usePrepareStore()
  const operations = useOperationsStore()

  const stage = ref<WizardStage>('checks')
  const action = ref<PrepareAction>('install')
  const plan = shallowRef<OperationPlan | null>(null)
  const left = shallowRef<string[]>([])
  const cleaned = shallowRef<HostCleaned | null>(null)
  const operationId = ref<string | null>(null)
  const busy = ref(false)
  const problem = shallowRef<{ title: string; message: string } | null>(null)

  const report = computed(() => (host.value ? prepare.reportOf(host.value) : undefined))
  const checkError = computed(() => (host.value ? prepare.errorOf(host.value) : undefined))
  const checking = computed(() => !!host.value && prepare.checking.has(host.value))
  const operation = computed(() => operations.operations.find((o) => o.id === operationId.value))
  const missing = (id: string) => report.value?.checks.some((c) => c.id === id && c.state === 'missing') ?? false
  /** The install is offered while PostgreSQL is missing. */
  const canInstall = computed(() => missing('postgres'))
  /** The sudo rule is offered while a sudo check is missing. */
  const needsRule = computed(() => !!report.value?.sudoRule && SUDO_CHECKS.some(missing))

  const recheck = () => host.value && void prepare.check(host.value)

  watch(open, (isOpen) => {
    if (!isOpen) return
    stage.value = 'checks'
    plan.value = null
    problem.value = null
    operationId.value = null
    cleaned.value = null
    recheck()
  })

  // The run ended well: what changed shows in the checks at once.
  watch(() => operation.value?.status, (status) => status === 'succeeded' && recheck())

  async function attempt(title: string, work: () => Promise<void>): Promise<void> {
    if (busy.value || !host.value) return
    busy.value = true
    problem.value = null
    try {
      await work()
    } catch (err) {
      problem.value = { title, message: asAppError(err).message }
    } finally {
      busy.value = false
    }
  }

  const showPlan = (what: PrepareAction) =>
    attempt(what === 'install' ? 'No install plan' : 'No plan for the sudo rule', async () => {
      action.value = what
      plan.value = await prepare.plan(host.value!, what)
      stage.value = 'plan'
    })

  const run = () =>
    attempt('It did not start', async () => {
      const op = await prepare.start(host.value!, action.value)
      operationId.value = op.id
      stage.value = 'running'
    })

  const showClean = () =>
    attempt('Nothing can be listed', async () => {
      const r = await prepare.cleanPlan(host.value!)
      plan.value = r.plan
      left.value = r.left
      stage.value = 'clean-plan'
    })

  const removeAll = () =>
    attempt('The removal stopped', async () => {
      cleaned.value = await prepare.clean(host.value!)
      stage.value = 'cleaned'
      recheck()
    })

  function back(): void {
    stage.value = 'checks'
    plan.value = null
    problem.value = null
  }

  return { stage, action, plan, left, cleaned, operation, busy, problem, report, checkError, checking, canInstall, needsRule, recheck, showPlan, run, showClean, removeAll, back }
}
