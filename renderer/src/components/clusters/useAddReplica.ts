// The add-replica wizard's state, the same for every engine: the form (useWizardForm) and its
// plan-then-start (usePlanThenStart), the operation already running on the cluster, the host
// record picked, and the edits that drop a plan made for other values. The engine's dialog adds
// what it knows: the form's first values, its suggestions, its words (AddReplicaForm shows it).
import { computed, reactive, type Ref } from 'vue'
import type { ReplicaAddInput } from '../../../../shared/clusters'
import type { OperationSummary } from '../../../../shared/operations'
import { emptyReplicaForm, replicaFields, validateReplica, type AddReplicaValues, type EngineChoice, type PlacementValues, type ReplicaField } from '../../clusters/forms'
import { useWizardForm } from '../../dialogs/useWizardForm'
import { isActive } from '../../operations/format'
import { usePlanThenStart } from '../../operations/usePlanThenStart'
import { useClustersStore } from '../../stores/clusters'
import { useHostsStore } from '../../stores/hosts'
import { useOperationsStore } from '../../stores/operations'
import { confirmDanger } from '../common/confirmDanger'

export function useAddReplica(options: {
  open: Ref<boolean>
  cluster: () => { id: string } | null
  engine: EngineChoice
  /** The data dir named in the "empty it first?" question. */
  dataDirOf: (input: ReplicaAddInput) => string | undefined
  started: (operation: OperationSummary) => void
}) {
  const hosts = useHostsStore()
  const clusters = useClustersStore()
  const operations = useOperationsStore()

  const form = useWizardForm({
    fields: replicaFields,
    values: emptyReplicaForm('', options.engine),
    validate: (v: AddReplicaValues) => validateReplica(v),
    invalid: (message) => flow.invalidInput(message),
  })
  const flow = usePlanThenStart({
    open: options.open,
    input: form.checked,
    request: (input, dryRun) => clusters.addReplica({ ...input, dryRun }),
    confirmStart: (input) =>
      !input.overwrite ||
      confirmDanger({
        title: 'Empty the data directory?',
        message: `Everything in ${options.dataDirOf(input)} on ${input.host} will be deleted before the copy, if it is a stale copy of this cluster: anything else is refused (the plan says what is there and its size). Only do this when nothing there is needed.`,
        confirm: 'Delete its contents and add',
        cancel: 'Cancel',
      }),
    fields: replicaFields,
    refused: (refusal) => {
      form.refusedFields(refusal)
      if (Object.keys(refusal.fields).length) flow.plan.value = null
    },
    started: options.started,
  })

  const wizard = reactive({
    values: form.values,
    edited: form.edited,
    touched: form.touched,
    errors: form.errors,
    reset: form.reset,
    plan: flow.plan,
    busy: flow.busy,
    problem: flow.problem,
    showPlan: flow.showPlan,
    start: flow.start,
    hostRecord: computed(() => hosts.hosts.find((h) => h.name === form.values.host)),
    running: computed(() => {
      const c = options.cluster()
      return c ? operations.forCluster(c.id).find(isActive) : undefined
    }),
    /** A new host: what the core said of the old one no longer applies, nor its plan. */
    pickHost(name: string): void {
      form.values.host = name
      form.serverErrors.value = {}
      flow.forget()
    },
    change(field: keyof AddReplicaValues | keyof PlacementValues, value: string | boolean): void {
      form.set(field, value)
      flow.forget()
    },
    touch(field: ReplicaField): void {
      form.touched[field] = true
    },
    back(): void {
      flow.plan.value = null
    },
  })
  return wizard
}

export type AddReplicaWizard = ReturnType<typeof useAddReplica>
