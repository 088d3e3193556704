// The one contract between the UI (and CLI) and the core. Every front end is derived from
// this object: the preload, the IPC registration, the WebSocket server, the CLI commands and
// the renderer client. A method's id is `${noun}.${verb}`; no channel name is written anywhere else.
import { z } from 'zod'
import { host, hostEdit, hostInput, hostName } from './hosts'
import { clusterCreateInput, clusterId, engineId, failoverInput, fenceInput, rejoinInput, replicaAddInput, replicaRemoveInput, settingsInput, switchoverInput, automaticInput } from './clusters'
import { healthHistory, healthHistoryInput, healthVerdict, healthWorse } from './health'
import { operationProgress, operationRef, operationStartResult, operationSummary } from './operations'
import { pgDetection } from './postgres'
import { clusterRecord } from './cluster-record'
import { mariaDetection } from './mariadb'
import { hostCandidate, hostCandidatesInput, hostCleanInput, hostCleanResult, hostPrepareInput, hostPrepareResult, hostTestReport } from './prepare'
import { secretAnswer, secretRequestView } from './secrets'
import { clusterStatus, splitBrainEvent, statusEvent, statusGetInput, statusHistory, statusHistoryInput } from './status'
import { activityEntry, fingerprint, hostConnection, importableHost, trustedKey } from './ssh'

export interface CliSpec {
  /** A top-level verb (`replicadesk status CLUSTER`) instead of `replicadesk NOUN VERB`. */
  command?: string
  /** Input fields taken from positional arguments, in order. */
  args?: readonly string[]
  /** Not a command: e.g. answers to secret questions, which must never be typed as arguments. */
  hidden?: boolean
}

export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  summary: string
  input: I
  output: O
  cli?: CliSpec
}

function method<I extends z.ZodType, O extends z.ZodType>(spec: MethodSpec<I, O>): MethodSpec<I, O> {
  return spec
}

const empty = z.object({}).strict()

export const appInfo = z.object({
  name: z.literal('ReplicaDesk'),
  version: z.string(),
  dataDir: z.string(),
})

export const contract = {
  methods: {
    app: {
      info: method({ summary: 'Show version and data dir', input: empty, output: appInfo }),
    },
    host: {
      list: method({ summary: 'List host records', input: empty, output: z.array(host) }),
      add: method({ summary: 'Add a host record', input: hostInput.strict(), output: host, cli: { args: ['name'] } }),
      edit: method({ summary: 'Edit a host record', input: hostEdit.strict(), output: host, cli: { args: ['name'] } }),
      remove: method({
        summary: 'Remove a host record',
        input: z.object({ name: hostName }).strict(),
        output: z.object({ removed: hostName }),
        cli: { args: ['name'] },
      }),
      test: method({
        summary: 'Connect and show OS, PostgreSQL versions and round-trip time, and the checks of host prepare',
        input: z.object({ name: hostName }).strict(),
        output: hostTestReport,
        cli: { args: ['name'] },
      }),
      trust: method({
        summary: "Trust a host's SSH key after you checked its SHA256 fingerprint",
        input: z.object({ name: hostName, fingerprint }).strict(),
        output: trustedKey,
        cli: { args: ['name', 'fingerprint'] },
      }),
      prepare: method({
        summary: "Check what the login can do (PostgreSQL, sudo, sshd forwarding, the members' port) with the line to add for each missing thing; --install installs PostgreSQL, --sudo-rule writes the login's sudo rule",
        input: hostPrepareInput.strict(),
        output: hostPrepareResult,
        cli: { args: ['name'] },
      }),
      clean: method({
        summary: 'Remove what ReplicaDesk put on a host that no cluster uses (data dirs stay); refused while a cluster uses it',
        input: hostCleanInput.strict(),
        output: hostCleanResult,
        cli: { args: ['name'] },
      }),
      connections: method({ summary: 'Connection state of every host', input: empty, output: z.array(hostConnection) }),
      importable: method({ summary: 'Hosts found in ~/.ssh/config', input: empty, output: z.array(importableHost) }),
    },
    cluster: {
      list: method({ summary: 'List clusters', input: empty, output: z.array(clusterRecord) }),
      detect: method({
        summary: 'Show the database versions and instances on a host (PostgreSQL, or MariaDB with --engine mariadb)',
        input: z.object({ host: hostName, engine: engineId.default('postgres').describe('the database to look for: postgres or mariadb') }).strict(),
        // PostgreSQL's shape strict at the top: a MariaDB answer that fails its own schema is an error, never read as PostgreSQL's.
        output: z.union([mariaDetection, pgDetection.strict()]),
        cli: { args: ['host'] },
      }),
      create: method({
        summary: 'Create a cluster: initialise a primary, or adopt a running one',
        input: clusterCreateInput.strict(),
        output: operationStartResult,
        cli: { args: ['cluster'] },
      }),
      adopt: method({
        summary: 'Adopt the PostgreSQL already running on a host as the primary of a new cluster',
        input: clusterCreateInput.omit({ mode: true }).strict(),
        output: operationStartResult,
        cli: { args: ['cluster'] },
      }),
      switchover: method({
        summary: 'Planned role change: the primary stops cleanly, a caught-up replica takes over, nothing is lost',
        input: switchoverInput.strict(),
        output: operationStartResult,
        cli: { command: 'switchover', args: ['cluster'] },
      }),
      failover: method({
        summary: 'Promote a replica because the primary is lost: fences the old one, states the data at risk first',
        input: failoverInput.strict(),
        output: operationStartResult,
        cli: { command: 'failover', args: ['cluster'] },
      }),
      rejoin: method({
        summary: 'Bring a former primary (or a fenced member) back as a replica: pg_rewind, or a fresh copy with --rebuild',
        input: rejoinInput.strict(),
        output: operationStartResult,
        cli: { command: 'rejoin', args: ['cluster', 'member'] },
      }),
      fence: method({
        summary: 'Stop a member and keep it from starting as a primary (ends a split brain)',
        input: fenceInput.strict(),
        output: operationStartResult,
        cli: { command: 'fence', args: ['cluster', 'member'] },
      }),
      settings: method({
        summary: 'Change redundancy settings: synchronous mode, synchronous_commit, who may be promoted, slot WAL cap; applied to every member and read back',
        input: settingsInput.strict(),
        output: operationStartResult,
        cli: { command: 'settings', args: ['cluster'] },
      }),
      automatic: method({
        summary: 'Automatic failover: hand the cluster over to Patroni + etcd (--on), so a dead primary is replaced with nobody clicking; take it back (--off); or record a Patroni cluster that runs already (--adopt HOST)',
        input: automaticInput.strict(),
        output: operationStartResult,
        cli: { command: 'automatic', args: ['cluster'] },
      }),
      candidates: method({
        summary: "Where a new member could go: every host record, the cluster's members marked, free ones ranked by failure domain, the next member's name and data dir",
        input: hostCandidatesInput.strict(),
        output: z.array(hostCandidate),
        cli: { args: ['cluster'] },
      }),
      forget: method({
        summary: 'Forget a cluster record (the servers are not touched)',
        input: z.object({ cluster: clusterId }).strict(),
        // cleanable: its members' hosts that no other cluster uses (`host clean` may remove ReplicaDesk's files there).
        output: z.object({ forgotten: clusterId, cleanable: z.array(z.string()) }),
        cli: { args: ['cluster'] },
      }),
    },
    status: {
      get: method({
        summary: 'Live status of a cluster: roles, LSNs, lag, sync state, slots, disk',
        input: statusGetInput,
        output: clusterStatus,
        cli: { command: 'status', args: ['cluster'] },
      }),
      history: method({
        summary: 'Lag history of a cluster (what the charts show)',
        input: statusHistoryInput,
        output: statusHistory,
        cli: { command: 'lag-history', args: ['cluster'] },
      }),
    },
    health: {
      get: method({
        summary: 'What the cluster survives, and every single point of failure (exit 5 unless healthy)',
        input: z.object({ cluster: clusterId }).strict(),
        output: healthVerdict,
        cli: { command: 'health', args: ['cluster'] },
      }),
      history: method({
        summary: 'How the health verdict changed lately (kept as long as the lag history)',
        input: healthHistoryInput,
        output: healthHistory,
        cli: { command: 'health-history', args: ['cluster'] },
      }),
    },
    replica: {
      add: method({
        summary: 'Add a streaming replica (base backup with live progress)',
        input: replicaAddInput.strict(),
        output: operationStartResult,
        cli: { args: ['cluster', 'name'] },
      }),
      remove: method({
        summary: 'Remove a replica: stop it, drop its slot',
        input: replicaRemoveInput.strict(),
        output: operationStartResult,
        cli: { args: ['cluster', 'name'] },
      }),
    },
    operation: {
      list: method({
        summary: 'Operations, newest first (interrupted ones can be resumed or abandoned)',
        input: z.object({ cluster: clusterId.optional() }).strict(),
        output: z.array(operationSummary),
      }),
      get: method({ summary: 'Show one operation', input: operationRef.strict(), output: operationSummary, cli: { args: ['id'] } }),
      resume: method({ summary: 'Resume an interrupted or failed operation (every step is checked again)', input: operationRef.strict(), output: operationSummary, cli: { args: ['id'] } }),
      abandon: method({ summary: 'Abandon an operation: undo what it made, in reverse', input: operationRef.strict(), output: operationSummary, cli: { args: ['id'] } }),
    },
    secret: {
      pending: method({ summary: 'Questions for SSH passwords or passphrases waiting for an answer', input: empty, output: z.array(secretRequestView) }),
      answer: method({
        summary: 'Answer a question for a password or passphrase',
        input: secretAnswer.strict(),
        output: z.object({ answered: z.string() }),
        cli: { hidden: true },
      }),
    },
    activity: {
      list: method({
        summary: 'Remote commands ReplicaDesk ran, newest first',
        input: z.object({ limit: z.number().int().min(1).max(1000).default(200), host: z.string().regex(/^[\w[][\w.@:%[\]-]{0,299}$/, 'A host as user@address[:port]').optional() }).strict(),
        output: z.array(activityEntry),
      }),
    },
  },
  events: {
    /** The full host list after any change, from any front end. */
    hostsChanged: z.object({ hosts: z.array(host) }),
    /** A host's SSH connection changed state (connected, unreachable, key changed …). */
    hostConnection,
    /** A remote command finished (secrets redacted). */
    activity: activityEntry,
    /** Live status: a snapshot when collection starts, then diffs, and a heartbeat every 5 s. */
    statusChanged: statusEvent,
    /** Two members accept writes at once: raise it loudly. */
    splitBrain: splitBrainEvent,
    /** A cluster's health verdict changed; `worse` says what got worse (a notification is due). */
    healthChanged: z.object({ verdict: healthVerdict, worse: healthWorse.nullable() }),
    /** Cluster records changed (created, replica added or removed, forgotten). */
    clustersChanged: z.object({ clusters: z.array(clusterRecord) }),
    /** An operation changed status or step (the full summary). */
    operationChanged: z.object({ operation: operationSummary }),
    /** Progress of a running operation, at most every ~250 ms. */
    operationProgress: z.object({ operationId: z.string(), clusterId: z.string(), progress: operationProgress }),
    /** The core needs an SSH password or key passphrase from the user. */
    secretRequested: secretRequestView,
    /** A secret question was answered, cancelled or timed out: close its dialog. */
    secretSettled: z.object({ id: z.string() }),
  },
} as const

export type Contract = typeof contract
export type Methods = Contract['methods']
export type Noun = keyof Methods
export type MethodId = { [N in Noun]: `${N & string}.${keyof Methods[N] & string}` }[Noun]
export type EventName = keyof Contract['events']
export type EventPayload<E extends EventName> = z.output<Contract['events'][E]>

type SpecOf<Id extends MethodId> = Id extends `${infer N}.${infer V}`
  ? N extends Noun
    ? V extends keyof Methods[N]
      ? Methods[N][V]
      : never
    : never
  : never
export type InputOf<Id extends MethodId> = SpecOf<Id> extends MethodSpec<infer I, z.ZodType> ? z.input<I> : never
export type ParsedInputOf<Id extends MethodId> = SpecOf<Id> extends MethodSpec<infer I, z.ZodType> ? z.output<I> : never
export type OutputOf<Id extends MethodId> = SpecOf<Id> extends MethodSpec<z.ZodType, infer O> ? z.output<O> : never

export interface MethodEntry {
  id: MethodId
  noun: string
  verb: string
  spec: MethodSpec
}

/** Every method of the contract, flattened: the single list every front end iterates. */
export const methodEntries: readonly MethodEntry[] = Object.entries(contract.methods).flatMap(([noun, verbs]) =>
  Object.entries(verbs as Record<string, MethodSpec>).map(([verb, spec]) => ({
    id: `${noun}.${verb}` as MethodId,
    noun,
    verb,
    spec,
  })),
)

const byId = new Map(methodEntries.map((m) => [m.id as string, m]))
export function findMethod(id: string): MethodEntry | undefined {
  return byId.get(id)
}

export const eventNames = Object.keys(contract.events) as EventName[]
export function isEventName(name: string): name is EventName {
  return Object.hasOwn(contract.events, name)
}

/** IPC channel of a method, and the one channel that carries events to the window. */
export const ipcChannel = (id: MethodId): string => `replicadesk:${id}`
export const ipcEventChannel = 'replicadesk:event'
