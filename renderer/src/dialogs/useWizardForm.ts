// The form state the create-cluster and add-replica wizards share: the values, which fields the
// user set by hand (suggestions leave those alone), which ones the user has left (their own
// check shows from then on), the core's refusals per field (kept until the field changes), and
// the input checked with the contract's schema.
import { computed, reactive, ref, type ComputedRef, type Ref } from 'vue'
import type { Checked, FieldErrors } from '../clusters/forms'
import type { Refusal } from '../operations/usePlanThenStart'
import { shownErrors } from './fieldErrors'

export interface WizardForm<V, F extends string, I> {
  values: V
  /** Fields the user set by hand. */
  edited: Set<string>
  touched: Partial<Record<F, boolean>>
  serverErrors: Ref<FieldErrors<F>>
  /** What each field shows now. */
  errors: ComputedRef<FieldErrors<F>>
  /** Start afresh with these values. */
  reset: (values: V) => void
  /** The user set a field: it is theirs now, and the core's word on it no longer applies. */
  set: (field: string, value: string | boolean) => void
  /** Every field checked and shown; the input, or null after `invalid` said what belongs to no field. */
  checked: () => I | null
  /** The core refused some fields: shown on them until they change. */
  refusedFields: (refusal: Refusal<F>) => void
}

export function useWizardForm<V extends object, F extends string, I>(options: {
  fields: readonly F[]
  values: V
  validate: (values: V) => Checked<I, F>
  /** The input does not pass its checks; `message`: what belongs to no field. */
  invalid: (message: string | null) => void
}): WizardForm<V, F, I> {
  const { fields } = options
  const values = reactive(options.values) as V
  const edited = reactive(new Set<string>())
  const touched = reactive<Partial<Record<F, boolean>>>({}) as Partial<Record<F, boolean>>
  const serverErrors = ref<FieldErrors<F>>({}) as Ref<FieldErrors<F>>
  const validation = computed(() => options.validate(values))
  const errors = computed(() => shownErrors(fields, validation.value.ok ? {} : validation.value.problem.fields, touched, serverErrors.value))

  function reset(next: V): void {
    Object.assign(values, next)
    edited.clear()
    for (const f of fields) touched[f] = false
    serverErrors.value = {}
  }

  function set(field: string, value: string | boolean): void {
    ;(values as Record<string, unknown>)[field] = value
    edited.add(field)
    if (serverErrors.value[field as F]) serverErrors.value = { ...serverErrors.value, [field]: undefined }
  }

  function checked(): I | null {
    for (const f of fields) touched[f] = true
    const v = validation.value
    if (v.ok) return v.input
    options.invalid(v.problem.message)
    return null
  }

  function refusedFields(refusal: Refusal<F>): void {
    serverErrors.value = refusal.fields
    for (const f of Object.keys(refusal.fields) as F[]) touched[f] = false
  }

  return { values, edited, touched, serverErrors, errors, reset, set, checked, refusedFields }
}
