// The create-cluster and add-replica forms apart from any widget: what the user typed or picked
// in, the contract's inputs out, checked with the shared schemas (shared/clusters.ts), and the
// core's refusals sorted onto the fields they concern. One form for both engines: the data dir
// goes out as PostgreSQL's pgdata or MariaDB's datadir, and only the engine's own fields go out.
import { z } from 'zod'
import { clusterCreateInput, replicaAddInput, type ClusterCreateInput, type ReplicaAddInput } from '../../../shared/clusters'
import { AppError } from '../../../shared/errors'

export type EngineChoice = 'postgres' | 'mariadb'

/** Where and how one member runs: the fields both wizards share. */
export interface PlacementValues {
  /** The cluster's database: it decides which fields mean something and how the data dir is sent. */
  engine: EngineChoice
  host: string
  dataDir: string
  port: string
  /** Empty: the host record's address. */
  address: string
  layout: 'plain' | 'debian'
  debianName: string
  sync: boolean
  priority: string
  neverPromote: boolean
}

export interface CreateClusterValues extends PlacementValues {
  cluster: string
  member: string
  mode: 'init' | 'adopt'
  /** Empty: the newest on the host. */
  major: string
  syncMethod: 'ANY' | 'FIRST'
  syncNum: string
  /** MariaDB: semi-synchronous replication (SEMI_SYNC_MEANING in shared/mariadb.ts). */
  semiSync: boolean
}

export interface AddReplicaValues extends PlacementValues {
  cluster: string
  name: string
  overwrite: boolean
}

export const placementFields = ['host', 'dataDir', 'port', 'address', 'layout', 'debianName', 'sync', 'priority', 'neverPromote'] as const
export const createFields = [...placementFields, 'cluster', 'member', 'mode', 'major', 'syncMethod', 'syncNum', 'engine', 'semiSync'] as const
export const replicaFields = [...placementFields, 'cluster', 'name', 'overwrite'] as const

export type CreateField = (typeof createFields)[number]
export type ReplicaField = (typeof replicaFields)[number]

export type FieldErrors<F extends string> = Partial<Record<F, string>>

export interface FormProblem<F extends string> {
  fields: FieldErrors<F>
  /** What belongs to no field. */
  message: string | null
}

export type Checked<I, F extends string> = { ok: true; input: I } | { ok: false; problem: FormProblem<F> }

/** The port a new member of each engine gets unless the user says otherwise. */
export const defaultPort = (engine: EngineChoice): string => (engine === 'mariadb' ? '3306' : '5432')

export const emptyPlacement = (engine: EngineChoice = 'postgres'): PlacementValues => ({
  engine,
  host: '',
  dataDir: '',
  port: defaultPort(engine),
  address: '',
  layout: 'plain',
  debianName: 'main',
  sync: false,
  priority: '100',
  neverPromote: false,
})

export const emptyCreateForm = (engine: EngineChoice = 'postgres'): CreateClusterValues => ({
  ...emptyPlacement(engine),
  cluster: '',
  member: '',
  mode: 'init',
  major: '',
  syncMethod: 'ANY',
  syncNum: '1',
  semiSync: false,
})

export const emptyReplicaForm = (cluster: string, engine: EngineChoice = 'postgres'): AddReplicaValues => ({ ...emptyPlacement(engine), cluster, name: '', overwrite: false })

/** A number when the text is one, else the text (so the schema words the complaint); empty: the default. */
function numberValue(text: string): number | string | undefined {
  const t = text.trim()
  if (t === '') return undefined
  return /^[+-]?\d+(\.\d+)?$/.test(t) ? Number(t) : t
}

const optional = (text: string): string | undefined => (text.trim() === '' ? undefined : text.trim())

/** The data dir under the engine's own key; MariaDB's Debian server has /var/lib/mysql (the core's to say). */
function dataDirCandidate(v: PlacementValues): { pgdata?: string; datadir?: string } {
  if (v.engine === 'postgres') return { pgdata: v.dataDir.trim() }
  return v.layout === 'debian' ? {} : { datadir: v.dataDir.trim() }
}

function placementCandidate(v: PlacementValues) {
  return {
    host: v.host.trim(),
    ...dataDirCandidate(v),
    port: numberValue(v.port),
    address: optional(v.address),
    layout: v.layout,
    // Only a Debian PostgreSQL cluster has a name; a plain data dir keeps the schema's default.
    debianName: v.engine === 'postgres' && v.layout === 'debian' ? v.debianName.trim() : undefined,
    sync: v.sync,
    priority: numberValue(v.priority),
    neverPromote: v.neverPromote,
  }
}

/** Input keys named otherwise in the form (the contract says pgdata or datadir, the form data dir). */
const inputToField: Record<string, string> = { pgdata: 'dataDir', datadir: 'dataDir' }

/** The first message per known field; the rest (and issues on no field) joined into `message`. */
export function issuesToProblem<F extends string>(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  fields: readonly F[],
): FormProblem<F> {
  const out: FieldErrors<F> = {}
  const rest: string[] = []
  for (const issue of issues) {
    const first = issue.path[0]
    const key = typeof first === 'string' ? (inputToField[first] ?? first) : first
    if (typeof key === 'string' && (fields as readonly string[]).includes(key)) out[key as F] ??= issue.message
    else rest.push(issue.message)
  }
  return { fields: out, message: rest.length ? [...new Set(rest)].join(' ') : null }
}

function check<I, F extends string>(schema: z.ZodType<unknown, unknown>, candidate: unknown, fields: readonly F[]): Checked<I, F> {
  const parsed = schema.safeParse(candidate)
  if (parsed.success) return { ok: true, input: candidate as I }
  return { ok: false, problem: issuesToProblem(parsed.error.issues, fields) }
}

/**
 * cluster.create's input, checked with the core's schema. The input sent is the candidate (the
 * core applies the defaults), so what the user left empty stays the core's to decide.
 */
export function validateCreate(v: CreateClusterValues, dryRun = false): Checked<ClusterCreateInput, CreateField> {
  // Each engine's own settings only: MariaDB has no major, no ANY/FIRST k; PostgreSQL no semi-sync.
  const engineFields =
    v.engine === 'mariadb'
      ? { engine: 'mariadb' as const, semiSync: v.semiSync }
      : { major: optional(v.major), syncMethod: v.syncMethod, syncNum: numberValue(v.syncNum) as number | undefined }
  const candidate: ClusterCreateInput = {
    ...placementCandidate(v),
    cluster: v.cluster.trim(),
    member: v.member.trim(),
    mode: v.mode,
    ...engineFields,
    port: numberValue(v.port) as number | undefined,
    priority: numberValue(v.priority) as number | undefined,
    dryRun,
  }
  return check<ClusterCreateInput, CreateField>(clusterCreateInput.strict(), withoutUndefined(candidate), createFields)
}

export function validateReplica(v: AddReplicaValues, dryRun = false): Checked<ReplicaAddInput, ReplicaField> {
  const candidate: ReplicaAddInput = {
    ...placementCandidate(v),
    cluster: v.cluster,
    name: v.name.trim(),
    overwrite: v.overwrite,
    port: numberValue(v.port) as number | undefined,
    priority: numberValue(v.priority) as number | undefined,
    dryRun,
  }
  return check<ReplicaAddInput, ReplicaField>(replicaAddInput.strict(), withoutUndefined(candidate), replicaFields)
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

const issueList = z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() }))

/** Where an error from the core goes: invalid_input issues on their fields, anything else above the form. */
export function serverProblem<F extends string>(err: unknown, fields: readonly F[]): FormProblem<F> & { code: string } {
  const error = err instanceof AppError ? err : new AppError('internal', err instanceof Error ? err.message : String(err))
  if (error.code === 'invalid_input') {
    const issues = issueList.safeParse(error.detail)
    if (issues.success && issues.data.length) {
      const problem = issuesToProblem(issues.data, fields)
      if (Object.keys(problem.fields).length === 0) problem.message ??= error.message
      return { ...problem, code: error.code }
    }
  }
  return { fields: {}, message: error.message, code: error.code }
}

/** A heading for an error the core gave when starting an operation. */
export function problemTitle(code: string): string {
  switch (code) {
    case 'preflight_failed':
      return 'A pre-flight check refused it (nothing was changed)'
    case 'version_mismatch':
      return 'The database versions differ between the hosts'
    case 'cluster_state':
      return 'The cluster is not in a state this can start from'
    case 'conflict':
      return 'Another operation is running on this cluster'
    case 'not_streaming':
      return 'The standby did not stream'
    case 'invalid_input':
      return 'Some settings are not valid'
    case 'split_brain':
      return 'Two members accept writes: only fencing and rejoin can run now'
    case 'confirmation_required':
      return 'It needs your confirmation of the plan'
    default:
      return code.startsWith('ssh_') ? 'Could not reach the host' : 'It could not start'
  }
}
