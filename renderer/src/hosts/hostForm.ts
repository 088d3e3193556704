// The host form's logic, apart from any widget: text fields in, validated contract inputs out,
// and errors (our own or the core's) sorted onto the fields they belong to. The rules are the
// shared schemas (shared/hosts.ts); none is written here a second time.
import { z } from 'zod'
import { AppError } from '../../../shared/errors'
import { hostInput, type Host, type HostEdit } from '../../../shared/hosts'

export const hostFields = ['name', 'address', 'port', 'user', 'jump', 'identityFile', 'failureDomain'] as const
export type HostField = (typeof hostFields)[number]

/**
 * What the user typed (or picked), as typed. An empty jump or identity file means "none".
 * usePassword: log in with a password (asked when connecting) instead of keys.
 */
export type HostFormValues = Record<HostField, string> & { usePassword: boolean }
export type FieldErrors = Partial<Record<HostField, string>>

export interface FormProblem {
  fields: FieldErrors
  /** An error that belongs to no field (or to the form as a whole). */
  message: string | null
}

export const emptyHostForm = (): HostFormValues => ({ name: '', address: '', port: '22', user: '', jump: '', identityFile: '', failureDomain: '', usePassword: false })

export const formFromHost = (h: Host): HostFormValues => ({
  name: h.name,
  address: h.address,
  port: String(h.port),
  user: h.user,
  jump: h.jump ?? '',
  identityFile: h.identityFile ?? '',
  failureDomain: h.failureDomain ?? '',
  usePassword: h.usePassword ?? false,
})

/** A number when the text is one, else the text itself, so the schema words the complaint. */
function portValue(text: string): number | string | undefined {
  const trimmed = text.trim()
  if (trimmed === '') return undefined // the schema's default (22)
  return /^[+-]?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed
}

const optional = (text: string): string | undefined => (text.trim() === '' ? undefined : text.trim())

function candidate(values: HostFormValues): Record<HostField | 'usePassword', unknown> {
  return {
    name: values.name.trim(),
    address: values.address.trim(),
    port: portValue(values.port),
    user: values.user.trim(),
    jump: optional(values.jump),
    identityFile: optional(values.identityFile),
    failureDomain: optional(values.failureDomain),
    // Absent unless chosen, so records that never used it stay as they were.
    usePassword: values.usePassword ? true : undefined,
  }
}

const isHostField = (key: unknown): key is HostField => hostFields.includes(key as HostField)

/** The first message per field; issues on no known field go to `message`. */
export function issuesToProblem(issues: readonly { path: readonly PropertyKey[]; message: string }[], rename: Partial<Record<string, HostField | null>> = {}): FormProblem {
  const fields: FieldErrors = {}
  const rest: string[] = []
  for (const issue of issues) {
    const key = issue.path[0]
    const mapped = typeof key === 'string' && key in rename ? rename[key] : key
    if (isHostField(mapped)) fields[mapped] ??= issue.message
    else rest.push(issue.message)
  }
  return { fields, message: rest.length ? rest.join(' ') : null }
}

export type ValidHost = z.output<typeof hostInput>
export type Validation = { ok: true; input: ValidHost } | { ok: false; problem: FormProblem }

/**
 * Checks the form against the same schema the core applies, plus what only the form can know:
 * a record cannot jump through itself.
 */
export function validateHostForm(values: HostFormValues): Validation {
  const parsed = hostInput.safeParse(candidate(values))
  const problem = parsed.success ? { fields: {}, message: null } : issuesToProblem(parsed.error.issues)
  const jump = optional(values.jump)
  if (jump !== undefined && jump === values.name.trim()) problem.fields.jump ??= 'A host cannot jump through itself'
  if (parsed.success && Object.keys(problem.fields).length === 0) return { ok: true, input: parsed.data }
  return { ok: false, problem }
}

/** host.edit's input: the record's current name, a newName only when it changes. */
export function editInput(original: Host, input: ValidHost): HostEdit {
  return {
    name: original.name,
    ...(input.name !== original.name ? { newName: input.name } : {}),
    address: input.address,
    port: input.port,
    user: input.user,
    // An emptied field removes the saved value (null); one never set stays absent.
    ...(input.jump !== undefined ? { jump: input.jump } : original.jump !== undefined ? { jump: null } : {}),
    ...(input.identityFile !== undefined ? { identityFile: input.identityFile } : original.identityFile !== undefined ? { identityFile: null } : {}),
    ...(input.failureDomain !== undefined ? { failureDomain: input.failureDomain } : original.failureDomain !== undefined ? { failureDomain: null } : {}),
    // Switched off: false; never on: absent.
    ...(input.usePassword ? { usePassword: true } : original.usePassword ? { usePassword: false } : {}),
  }
}

/** What decides where a connection goes: when it changes, an earlier test says nothing. */
export function connectionSignature(h: Pick<Host, 'address' | 'port' | 'user' | 'jump' | 'identityFile' | 'usePassword'>): string {
  return JSON.stringify([h.user, h.address, h.port, h.jump ?? null, h.identityFile ?? null, h.usePassword ?? false])
}

const issueList = z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() }))
const fieldDetail = z.object({ field: z.string() })

/**
 * Where to show an error the core returned. `invalid_input` carries the schema's issues; a
 * `conflict` names its field. In an edit's issues, `name` is the record being edited (not the
 * field the user is typing in) and `newName` is that field.
 */
export function serverErrorToProblem(err: unknown, mode: 'add' | 'edit'): FormProblem {
  const error = err instanceof AppError ? err : new AppError('internal', err instanceof Error ? err.message : String(err))
  const rename: Partial<Record<string, HostField | null>> = mode === 'edit' ? { name: null, newName: 'name' } : {}
  if (error.code === 'invalid_input') {
    const issues = issueList.safeParse(error.detail)
    if (issues.success && issues.data.length) {
      const problem = issuesToProblem(issues.data, rename)
      if (Object.keys(problem.fields).length === 0) problem.message ??= error.message
      return problem
    }
  }
  if (error.code === 'conflict') {
    const detail = fieldDetail.safeParse(error.detail)
    // A conflict is always about the name being taken: in an edit, the new name.
    const field = detail.success ? (detail.data.field === 'newName' ? 'name' : detail.data.field) : null
    if (isHostField(field)) return { fields: { [field]: error.message }, message: null }
  }
  return { fields: {}, message: error.message }
}
