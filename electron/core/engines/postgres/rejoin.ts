// Rejoin: a member that was primary on an old timeline (after a failover, or a split brain),
// or a fenced member, comes back as a standby of the current primary. Journaled steps:
//   preflight   the one writable primary among the other members (the member itself may be a
//               second one: rejoin is the way out of a split brain); the primary itself is refused
//   checkpoint  CHECKPOINT on the primary (else pg_rewind right after a promotion sees the old
//               timeline and says "no rewind required"), pg_rewind's grants to the replication
//               role, the ReplicaDesk pg_hba block and ~/.pgpass lines where stale, the slot rd_MEMBER
//   stop        fast stop of the member, fenced for the rest of the operation (fence marker,
//               standby.signal, Debian start.conf disabled), its own settings saved outside the
//               data dir (pg_rewind and pg_basebackup copy the source's)
//   rewind      pg_rewind from the primary, standby.signal lifted for the run; or, confirmed,
//   rebuild     the data dir emptied and copied afresh with pg_basebackup
//   start       its own settings back, follow settings and standby.signal, start.conf lifted,
//               start; its old slots (WAL pinned from its time as primary) made fresh
//   streaming   waits until the primary's pg_stat_replication shows it streaming
//   unfence     the fence marker and the saved files go: last, so a crash leaves it fenced
// Nothing is undone on abandon: a member left stopped and fenced is the safe state, and its
// old data is not worth restoring. Resume re-checks every step from the servers.
import { z } from 'zod'
import { AppError } from '../../../../shared/errors'
import type { Step } from '../../operations'
import type { HostExec } from '../host-exec'
import { accessChange, accessPlan, applyAccess, clusterHbaBlock, pgpassEntries, readState, type AccessChange } from './access'
import { explainBackupFailure } from './basebackup'
import { checkDataDir, clusterSysid, explainGuardFailure, guardRefusal, knownDataDir, protectedDirs } from './data-dir-guard'
import { claimKey } from './claims'
import { confLine, conninfo, parseConf } from './conf'
import { pgError } from './errors'
import { hostAddresses } from './hba'
import { execTimeoutMs, START_TIMEOUT_S, startCommand } from './instance'
import { debianConfDir, hbaFile, logFile, memberName, memberOf, pgCluster, slotName, type PgCluster, type PgMember } from './model'
import { PgNode, type Command, memberNodes } from './node'
import { findPassword } from './pgpass'
import { BasebackupProgressParser } from './progress'
import { fenceCommand, followLines, freshSlotsStatements, isUp, pointsAt, positionQuery, readPosition, stopFastCommand, unfenceCommand, waitStreaming, waitStreamingSql, writable, type Seen } from './roles'
import { REJOIN_FORGET, REJOIN_LIFT_START_CONF, REJOIN_REBUILD, REJOIN_RESTORE, REJOIN_REWIND, REJOIN_REWIND_UNTOUCHED, REJOIN_SAVE, REJOIN_STATE } from './rejoin-scripts'
import { CONFIGURE_STANDBY, STOP_ORPHAN_COPY } from './scripts'
import { ident, lit } from './sql'
import { alterSystem, createSlotSql } from './statements'
import { degradedSyncValue, syncNames } from './sync'

export const rejoinParams = z
  .object({
    cluster: pgCluster,
    member: memberName,
    /** The user confirmed that the member's data dir is replaced by a fresh copy. */
    rebuild: z.boolean().default(false),
    /** Limit for pg_rewind or pg_basebackup. */
    copyTimeoutMs: z.number().int().min(1000).default(12 * 3600_000),
    /** How long the started standby may take to stream (it may have WAL to replay first). */
    streamTimeoutMs: z.number().int().min(1000).default(300_000),
    /** Data dirs of the members of the other cluster records (the guard keeps away from those on this host). */
    knownDataDirs: z.array(knownDataDir).default([]),
  })
  .superRefine((p, ctx) => {
    if (!p.cluster.members.some((m) => m.name === p.member)) ctx.addIssue({ code: 'custom', message: `The cluster has no member named ${p.member}`, path: ['member'] })
    if (p.cluster.members.length < 2) ctx.addIssue({ code: 'custom', message: 'A member rejoins another primary: the cluster must list at least two members', path: ['cluster', 'members'] })
  })
export type RejoinParams = z.output<typeof rejoinParams>

/** The functions pg_rewind calls on its source, for a role that is not superuser. */
export const REWIND_FUNCTIONS = ['pg_catalog.pg_ls_dir(text, boolean, boolean)', 'pg_catalog.pg_stat_file(text, boolean)', 'pg_catalog.pg_read_binary_file(text)', 'pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)'] as const

export const rewindGrantSql = (role: string) => `GRANT EXECUTE ON FUNCTION ${REWIND_FUNCTIONS.join(', ')} TO ${ident(role)}`
const rewindGrantedSql = (role: string) => REWIND_FUNCTIONS.map((f) => `has_function_privilege(${lit(role)}, ${lit(f)}, 'EXECUTE')`).join(' AND ')

/** postgresql.auto.conf keys the member keeps as its own, or gets from the model. */
const OWN_KEYS = ['port', 'listen_addresses', 'cluster_name'] as const
const FOLLOW_KEYS = ['primary_conninfo', 'primary_slot_name', 'synchronous_standby_names'] as const
/** A plain data dir's config files: pg_rewind and pg_basebackup bring the source's. */
const PLAIN_FILES = ['postgresql.conf', 'pg_hba.conf', 'pg_ident.conf'] as const
const AUTO_CONF = 'postgresql.auto.conf'

const primaryFacts = z.object({ hba: z.string(), checkpointTli: z.number(), tli: z.number(), granted: z.boolean(), slot: z.boolean() })

interface Assessed {
  up: PgMember
  facts: z.infer<typeof primaryFacts>
  changes: AccessChange[]
}

/** The member's data dir as REJOIN_STATE reads it. */
export interface DirState {
  running: boolean
  fenced: boolean
  standby: boolean
  saved: boolean
  savedFiles: string[]
  /** The operation whose rewind or copy finished. */
  done?: string
  /** The operation whose pg_rewind began and did not finish cleanly. */
  rewinding?: string
  startConf?: string
  confMissing: boolean
  addresses: string[]
  pgdata: boolean
  clusterState?: string
  checksums?: number
  hints?: string
  savedAuto?: string
}

export function parseDirState(out: string): DirState {
  const i = out.indexOf('@@saved-auto-conf\n')
  const head = i >= 0 ? out.slice(0, i) : out
  const s: DirState = { running: false, fenced: false, standby: false, saved: false, savedFiles: [], confMissing: false, addresses: [], pgdata: false }
  if (i >= 0) s.savedAuto = out.slice(i + '@@saved-auto-conf\n'.length)
  for (const line of head.split('\n')) {
    const sp = line.indexOf(' ')
    const tag = sp < 0 ? line.trim() : line.slice(0, sp)
    const arg = sp < 0 ? '' : line.slice(sp + 1).trim()
    if (tag === 'running') s.running = true
    else if (tag === 'fenced') s.fenced = true
    else if (tag === 'standby') s.standby = true
    else if (tag === 'saved') s.saved = true
    else if (tag === 'savedfile') s.savedFiles.push(arg)
    else if (tag === 'done') s.done = arg
    else if (tag === 'rewinding') s.rewinding = arg
    else if (tag === 'startconf') s.startConf = arg
    else if (tag === 'noconf') s.confMissing = true
    else if (tag === 'addrs') s.addresses = hostAddresses(arg)
    else if (tag === 'pgdata') s.pgdata = true
    else if (tag === 'state') s.clusterState = arg
    else if (tag === 'checksums') s.checksums = Number(arg)
    else if (tag === 'hints') s.hints = arg
  }
  return s
}

/** pg_rewind's and pg_basebackup's stderr, line by line (progress lines end in \r or \n). */
class Lines {
  private buffer = ''
  readonly all: string[] = []
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: Buffer | string): void {
    this.buffer += chunk.toString()
    const parts = this.buffer.split(/[\r\n]/)
    this.buffer = parts.pop() ?? ''
    for (const raw of parts) {
      const line = raw.trim()
      if (!line) continue
      if (this.all.length < 500) this.all.push(line)
      this.onLine(line)
    }
  }
  end(): void {
    if (this.buffer.trim()) this.push('\n')
  }
}

const PROGRESS = /(\d+)\/(\d+) kB \((\d+)%\)/

/** Why pg_rewind failed, in terms of what the user can do; `rebuild`: only a fresh copy helps. */
export function explainRewindFailure(text: string): { rebuild: boolean; reason: string } {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean)
  const errLine = [...lines].reverse().find((l) => /error|fatal/i.test(l) && !/^pg_rewind: (?:error|fatal): +$/.test(l)) ?? lines.at(-1) ?? 'no output'
  const reason = errLine.replace(/^pg_rewind: (?:error|fatal): /, '')
  if (/no pg_hba\.conf entry|password authentication failed|no password supplied|could not connect|Connection refused|timeout expired|permission denied for function|must be superuser/i.test(text)) return { rebuild: false, reason }
  return { rebuild: true, reason }
}

export function buildRejoin(hosts: HostExec, p: RejoinParams): Step<RejoinParams>[] {
  const c = p.cluster
  const major = c.major
  const member = memberOf(c, p.member)
  const { R, others, nodeOf } = memberNodes(hosts, c, member.name)
  const all = [...others, R]
  const hostsOf = (ns: readonly PgNode[]) => [...new Set(ns.map((n) => n.host))]
  const slot = slotName(member.name)
  const key = claimKey(member.dataDir)
  const role = c.replicationRole
  const isDebian = member.layout === 'debian'
  const confDir = isDebian ? debianConfDir(member, major) : undefined
  const startConf = confDir ? `${confDir}/start.conf` : '-'
  const at = `${member.name} on ${member.host}`
  const rebuildHint = `replicadesk rejoin ${c.id} ${member.name} --rebuild`
  const prot = protectedDirs(member, c.members, p.knownDataDirs)
  const memo: {
    primary?: PgMember
    own?: Seen
    seen?: Seen[]
    access?: Assessed
    /** Pre-flight found it streaming from the primary, unfenced, no rejoin under way: nothing to redo. */
    joined?: boolean
  } = {}

  // ---- reading ------------------------------------------------------------------------------
  const stateCommand = (): Command => R.pg(['sh', '-c', REJOIN_STATE, 'sh', member.dataDir, key, startConf, R.tool('pg_controldata'), confDir ?? '-'], 'reads only')
  const dirState = async () => parseDirState((await R.run(stateCommand())).stdout)

  /** The one writable member other than this one; throws a clear refusal otherwise. */
  async function locate(): Promise<PgMember> {
    const [own, ...seen] = await Promise.all([readPosition(R), ...others.map((n) => readPosition(n))])
    memo.own = own
    memo.seen = seen
    const up = seen.filter(isUp)
    const w = up.filter((s) => writable(s.pos))
    const ownWritable = isUp(own) && writable(own.pos)
    if (w.length > 1) {
      throw pgError('cluster_state', `${w.map((s) => `${s.member.name} on ${s.member.host}`).join(' and ')} all accept writes, so ReplicaDesk cannot tell which one ${member.name} should follow. Fence or rejoin all but one of them first (the one whose writes are to be kept stays), then rejoin ${member.name}.`, { writable: w.map((s) => s.member.name) })
    }
    if (w.length === 0) {
      if (ownWritable) throw pgError('preflight_failed', `${at} is the primary of cluster ${c.id}: no other member accepts writes. Rejoin brings a member back as a standby of another primary; to make ${member.name} a standby, switch over to another member first.`, { host: member.host, check: 'role' })
      const down = seen.filter((s): s is Extract<Seen, { error: AppError }> => 'error' in s)
      const why = down.map((s) => `${s.member.name} on ${s.member.host}: ${s.error.message}`).join('; ')
      throw pgError('cluster_state', `No other member of cluster ${c.id} accepts writes${why ? ` (${why})` : ''}, so ${member.name} has no primary to follow. Start the primary, or fail over to a standby, then rejoin ${member.name}.`, { down: down.map((s) => s.member.name) })
    }
    return (memo.primary = w[0]!.member)
  }
  const primary = async () => memo.primary ?? locate()
  /** A standby of `up` with the follow settings ReplicaDesk writes. */
  const following = (s: Seen, up: PgMember) => isUp(s) && s.pos.inRecovery && pointsAt(s.pos.conninfo, up) && s.pos.conninfo.includes(`application_name=${member.name}`)
  const plannedPrimary = () => memo.primary ?? others[0]!.member

  // ---- preflight ----------------------------------------------------------------------------
  const preflight: Step<RejoinParams> = {
    id: 'preflight',
    title: `Find the primary ${member.name} will follow`,
    hosts: hostsOf(all),
    plan: () => [...all.map((n) => n.planned(n.psql([positionQuery], 'reads role and position'))), R.planned(stateCommand())],
    check: async () => false,
    async run(ctx, report) {
      const [up, st] = await Promise.all([locate(), dirState()])
      if (st.confMissing) {
        throw pgError('preflight_failed', `${member.host} has no Debian cluster ${major}/${member.debianName} (${confDir} is missing), so ${member.name} cannot be started there. Remove ${member.name} from the cluster and add it again.`, { host: member.host, check: 'debian_cluster' })
      }
      if (!p.rebuild && st.done !== ctx.operationId) {
        if (!st.pgdata) {
          throw pgError('cluster_state', `${member.dataDir} on ${member.host} holds no PostgreSQL data, so there is nothing to rewind. Copy it afresh from ${up.name}: run "${rebuildHint}" (this fills ${member.dataDir} with a new copy).`, { host: member.host, rebuild: true })
        }
        if (st.rewinding) {
          throw pgError('cluster_state', `An earlier pg_rewind of ${at} (operation ${st.rewinding}) stopped half-way: its data dir may be half-rewound, and rewinding it again could leave it corrupt. Copy it afresh from ${up.name}: run "${rebuildHint}" (everything in ${member.dataDir} is replaced).`, { host: member.host, rebuild: true })
        }
        if (st.checksums === 0 && st.hints === 'off') {
          throw pgError('cluster_state', `pg_rewind cannot rewind ${at}: its data dir has neither data checksums nor wal_log_hints = on. Copy it afresh from ${up.name} instead: run "${rebuildHint}" (everything in ${member.dataDir} is replaced).`, { host: member.host, rebuild: true, check: 'wal_log_hints' })
        }
      }
      if (p.rebuild) await guardRebuild(up, st)
      const own = memo.own!
      memo.joined = !p.rebuild && following(own, up) && !st.fenced && !st.saved && (await waitStreaming(nodeOf(up), [member.name], 0)).length === 1
      const is = memo.joined ? `already a standby streaming from ${up.name}` : !isUp(own) ? 'not running' : writable(own.pos) ? `a second primary: it is stopped next, and what it wrote since it parted from ${up.name} is discarded` : own.pos.inRecovery ? 'a standby' : 'running read-only'
      report({ message: `Primary is ${up.name} on ${up.host}; ${member.name} is ${is}${st.fenced ? ', fenced' : ''}` })
    },
  }

  /**
   * The data-dir guard before a rebuild empties the member's data dir: never a dir that became a
   * parent of another member's data (or any other hard refusal); only a copy of this cluster,
   * or what an earlier rebuild began to fill (its `rebuilding` mark).
   */
  async function guardRebuild(up: PgMember, st: DirState): Promise<void> {
    const sysid = await clusterSysid(nodeOf(up))
    const a = await checkDataDir(R, member.dataDir, st.savedFiles.includes('rebuilding') ? 'any' : `sysid:${sysid}`, prot, true)
    if (a.verdict === 4 && a.refusal) throw guardRefusal(member.host, member.dataDir, a.refusal, 'empty', true)
    if (a.verdict !== 0) {
      throw pgError('preflight_failed', `ReplicaDesk will not empty ${member.dataDir} on ${member.host} for a rebuild: it holds ${a.size ?? 'data'}${a.sysid ? ` of another cluster (system identifier ${a.sysid}, cluster ${c.id} has ${sysid})` : ' that is not a PostgreSQL data directory of this cluster'}. --rebuild replaces only the member's own copy. Nothing was deleted. Move what is there away (an empty dir is filled afresh), or remove ${member.name} and add it again with a directory of its own.`, { host: member.host, path: member.dataDir, check: 'data_dir_guard', guard: 'content' })
    }
  }

  // ---- checkpoint ---------------------------------------------------------------------------
  const primaryQuery = `SELECT json_build_object(
  'hba', current_setting('hba_file'),
  'checkpointTli', (SELECT timeline_id FROM pg_control_checkpoint()),
  'tli', ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int,
  'granted', ${rewindGrantedSql(role)},
  'slot', EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ${lit(slot)})
)`

  async function assessAccess(): Promise<Assessed> {
    const up = await primary()
    const P = nodeOf(up)
    const upNames = new Set([...(memo.seen ?? []), ...(memo.own ? [memo.own] : [])].filter(isUp).map((s) => s.member.name))
    const hbaOf = async (n: PgNode): Promise<string> => {
      if (n === P || !upNames.has(n.name)) return hbaFile(n.member, major)
      return (await n.json(`SELECT json_build_object('hba', current_setting('hba_file'))`, z.object({ hba: z.string() })).catch(() => ({ hba: hbaFile(n.member, major) }))).hba
    }
    const facts = await P.json(primaryQuery, primaryFacts)
    const states = await Promise.all(all.map(async (n) => readState(n, n === P ? facts.hba : await hbaOf(n))))
    const block = clusterHbaBlock(c, states)
    const entries = pgpassEntries(c.members)
    const password = [states.find((s) => s.node === P), ...states].map((s) => s && findPassword(s.pgpass, role)).find(Boolean)
    const changes = states.map((s) => accessChange(s, c, block, password, entries, [], upNames.has(s.node.name))).filter((ch) => ch.hba || ch.pgpass !== undefined)
    const missingPgpass = states.some((s) => !findPassword(s.pgpass, role))
    if (!password && missingPgpass) {
      throw pgError('cluster_state', `The replication password of "${role}" is in no member's ~/.pgpass (postgres user), so ${member.host} cannot log in to ${up.name}. Adopt the cluster again: it sets a new password on every member.`, { host: up.host })
    }
    return { up, facts, changes }
  }

  const checkpoint: Step<RejoinParams> = {
    id: 'checkpoint',
    title: `CHECKPOINT on the primary; access for ${member.name}'s ${p.rebuild ? 'copy' : 'pg_rewind'}`,
    hosts: hostsOf(all),
    plan: () => {
      const P = nodeOf(plannedPrimary())
      return [
        P.planned(P.psql(['CHECKPOINT', 'SET synchronous_commit = local', rewindGrantSql(role), createSlotSql([slot], false)], `on the primary: a checkpoint on its timeline, pg_rewind's reads for ${role} (when missing), the slot ${slot}`)),
        ...accessPlan(all.map((n) => ({ node: n, hbaPath: hbaFile(n.member, major), reload: true }))).map((x) => ({ ...x, note: `${x.note ?? ''} (only where stale)`.trim() })),
      ]
    },
    async check() {
      const a = (memo.access = await assessAccess())
      return a.facts.checkpointTli === a.facts.tli && a.facts.granted && a.facts.slot && a.changes.length === 0
    },
    async run(_ctx, report) {
      const a = memo.access ?? (await assessAccess())
      memo.access = undefined
      await Promise.all(a.changes.map((ch) => applyAccess(ch)))
      const P = nodeOf(a.up)
      // A commit on a primary whose synchronous standbys are away would wait for ever: the
      // grant is made durable locally (it replicates all the same).
      const sql = ['CHECKPOINT', ...(a.facts.granted ? [] : ['SET synchronous_commit = local', rewindGrantSql(role)]), createSlotSql([slot], false)]
      await P.sql(sql, { timeoutMs: 600_000 })
      const did = [`CHECKPOINT on ${a.up.name}`, ...(a.facts.granted ? [] : [`pg_rewind's functions granted to ${role}`]), ...(a.changes.length ? [`access refreshed on ${a.changes.map((ch) => ch.node.name).join(', ')}`] : [])]
      report({ message: did.join('; ') })
    },
  }

  // ---- stop ---------------------------------------------------------------------------------
  const fenceReason = (opId: string) => `rejoin ${opId} in progress`
  const saveCommand = (): Command => R.pg(['sh', '-c', REJOIN_SAVE, 'sh', member.dataDir, key, AUTO_CONF, ...(isDebian ? [] : PLAIN_FILES)], 'its own settings, kept outside the data dir')

  const stop: Step<RejoinParams> = {
    id: 'stop',
    title: `Stop and fence ${member.name}`,
    hosts: [member.host],
    plan: (ctx) => [R.planned(stopFastCommand(R)), R.planned(fenceCommand(R, fenceReason(ctx.operationId ?? 'OPERATION'))), R.planned(saveCommand())],
    async check(ctx) {
      if (memo.joined) return true
      const st = await dirState()
      return st.done === ctx.operationId || (!st.running && st.fenced && st.saved)
    },
    async run(ctx, report) {
      const st = await dirState()
      if (st.running) await R.run(stopFastCommand(R), { timeoutMs: execTimeoutMs(120) })
      if (!st.fenced) await R.run(fenceCommand(R, fenceReason(ctx.operationId)))
      await R.run(saveCommand())
      report({ message: `${member.name} ${st.running ? 'stopped' : 'was not running'}; fenced until it streams again` })
    },
  }

  // ---- rewind -------------------------------------------------------------------------------
  const rewindArgv = (up: PgMember) => [
    R.tool('pg_rewind'),
    '-D',
    member.dataDir,
    `--source-server=${conninfo({ host: up.address, port: up.port, user: role, dbname: 'postgres', connect_timeout: 10 })}`,
    '--progress',
    // A crashed target gets its crash recovery from pg_rewind, which starts postgres
    // single-user: a Debian cluster's postgresql.conf is not in its data dir.
    ...(confDir && Number(major) >= 15 ? [`--config-file=${confDir}/postgresql.conf`] : []),
  ]
  const rewindCommand = (opId: string, up: PgMember): Command => R.pg(['sh', '-c', REJOIN_REWIND, 'sh', member.dataDir, key, opId, ...rewindArgv(up)], 'standby.signal lifted for the run (put back if it fails)')

  const rewind: Step<RejoinParams> = {
    id: 'rewind',
    title: `Rewind ${member.name} to the primary's timeline (pg_rewind)`,
    hosts: [member.host],
    weight: 5,
    plan: (ctx) => [R.planned(rewindCommand(ctx.operationId ?? 'OPERATION', plannedPrimary()))],
    check: async (ctx) => memo.joined === true || (await dirState()).done === ctx.operationId,
    async run(ctx, report) {
      const up = await primary()
      let last = Date.now()
      const lines = new Lines((line) => {
        const m = PROGRESS.exec(line)
        if (m) {
          const done = Number(m[1]) * 1024
          report({ bytesDone: done, bytesTotal: Math.max(done, Number(m[2]) * 1024), message: `pg_rewind: copying from ${up.name}` })
        } else if (line.startsWith('pg_rewind: ')) report({ message: line })
        last = Date.now()
      })
      const heartbeat = setInterval(() => {
        if (Date.now() - last >= 800) report({ message: lines.all.at(-1) ?? `pg_rewind from ${up.name}` })
      }, 400)
      let r
      try {
        r = await R.run(rewindCommand(ctx.operationId, up), { timeoutMs: p.copyTimeoutMs, okExitCodes: [0, 1, 2, 3], onOutput: (stream, chunk) => stream === 'stderr' && lines.push(chunk) })
      } finally {
        clearInterval(heartbeat)
        lines.end()
      }
      const text = [...lines.all, r.stdout].join('\n')
      if (r.exitCode === 3) throw pgError('cluster_state', `${at} runs again: ReplicaDesk rewinds only a stopped server. Stop it, then resume the rejoin.`, { host: member.host })
      if (r.exitCode === 4) throw pgError('cluster_state', `A pg_rewind started earlier on ${member.host} still runs on ${member.dataDir} (its ReplicaDesk died). Wait until it ends, then resume the rejoin.`, { host: member.host })
      if (r.exitCode !== 0) {
        const output = r.stderr || text
        // pg_rewind changes the target only once it knows what to copy.
        const touched = /need to copy|creating backup label/.test(output)
        if (!touched) await R.run(R.pg(['sh', '-c', REJOIN_REWIND_UNTOUCHED, 'sh', key]))
        const why = touched ? { rebuild: true, reason: `${explainRewindFailure(output).reason} (after it had begun to change the data dir)` } : explainRewindFailure(output)
        if (!why.rebuild) {
          throw pgError('cluster_state', `pg_rewind on ${member.host} could not read from the primary ${up.name} at ${up.address}:${up.port}: ${why.reason}. Resume the rejoin (it refreshes pg_hba.conf, ~/.pgpass and the grants), and check the network between them.`, { host: member.host, cause: why.reason })
        }
        throw pgError('cluster_state', `pg_rewind cannot bring ${at} back onto ${up.name}'s timeline: ${why.reason}. Its data dir must be copied afresh from ${up.name}: run "${rebuildHint}" (everything in ${member.dataDir} is replaced). ${member.name} stays stopped and fenced until then.`, { host: member.host, rebuild: true, cause: why.reason })
      }
      const diverged = /servers diverged at WAL location (\S+) on timeline (\d+)/.exec(text)
      const copy = /need to copy (\d+) MB/.exec(text)
      if (/no rewind required/.test(text)) report({ message: `pg_rewind: no rewind required (${member.name} had not gone past ${up.name}'s timeline switch)` })
      else report({ message: `pg_rewind rewound ${member.name}${diverged ? `: it diverged from ${up.name} at ${diverged[1]} on timeline ${diverged[2]}` : ''}${copy ? `; ${copy[1]} MB copied` : ''}` })
    },
  }

  // ---- rebuild ------------------------------------------------------------------------------
  const basebackupArgv = (up: PgMember) => [R.tool('pg_basebackup'), '-d', conninfo({ host: up.address, port: up.port, user: role }), '-D', member.dataDir, '-X', 'stream', '--checkpoint=fast', '--progress', '--no-password']
  const rebuildCommand = (opId: string, up: PgMember, sysid: string): Command =>
    R.pg(['sh', '-c', REJOIN_REBUILD, 'sh', member.dataDir, key, opId, R.tool('pg_controldata'), sysid, prot, ...basebackupArgv(up)], `the data-dir guard, then empties ${member.dataDir} and copies the primary`)
  const stopOrphanCopy = (): Command => R.pg(['sh', '-c', STOP_ORPHAN_COPY, 'sh', member.dataDir], 'stops a copy left running by a ReplicaDesk that died')

  const rebuild: Step<RejoinParams> = {
    id: 'rebuild',
    title: `Copy the primary to ${member.host} afresh (pg_basebackup)`,
    hosts: [member.host],
    weight: 20,
    plan: (ctx) => [R.planned(stopOrphanCopy()), R.planned(rebuildCommand(ctx.operationId ?? 'OPERATION', plannedPrimary(), 'SYSTEM_ID'))],
    check: async (ctx) => (await dirState()).done === ctx.operationId,
    async run(ctx, report) {
      const up = await primary()
      await R.run(stopOrphanCopy())
      let lastReport = Date.now()
      const parser = new BasebackupProgressParser((pr) => {
        lastReport = Date.now()
        report({ ...pr, message: `Copying from ${up.name}` })
      })
      const heartbeat = setInterval(() => {
        if (Date.now() - lastReport < 800) return
        lastReport = Date.now()
        report(parser.last ? { ...parser.last, message: `Copying from ${up.name}` } : { message: `Waiting for a checkpoint on ${up.name}` })
      }, 200)
      try {
        await R.run(rebuildCommand(ctx.operationId, up, await clusterSysid(nodeOf(up))), { timeoutMs: p.copyTimeoutMs, onOutput: (stream, chunk) => stream === 'stderr' && parser.push(chunk) })
      } catch (err) {
        const refused = explainGuardFailure(err, member.host, member.dataDir, 'empty', true)
        if (refused !== err) throw refused
        if (err instanceof AppError && err.code === 'command_failed' && /exit 3\)/.test(err.message)) {
          throw pgError('cluster_state', `${at} runs again: ReplicaDesk empties only a stopped data dir. Stop it, then resume the rejoin.`, { host: member.host })
        }
        throw explainBackupFailure(err, up, member.host, parser.messages())
      } finally {
        clearInterval(heartbeat)
      }
      if (parser.last) report({ bytesDone: parser.last.bytesTotal, bytesTotal: parser.last.bytesTotal, message: `Copied ${Math.round(parser.last.bytesTotal / 1048576)} MB from ${up.name}` })
    },
  }

  // ---- start --------------------------------------------------------------------------------
  /** Its own settings (saved before the rewind or copy, else from the model), then the follow settings. */
  function settingsLines(st: DirState, up: PgMember): string[] {
    const saved = st.savedAuto !== undefined ? parseConf(st.savedAuto) : new Map<string, string>()
    const own: string[] = []
    if (isDebian) {
      // The cluster's postgresql.conf in /etc is its own and stays: only what it had here.
      for (const k of OWN_KEYS) if (saved.has(k)) own.push(confLine(k, saved.get(k)!))
    } else {
      own.push(confLine('port', String(member.port)), confLine('cluster_name', saved.get('cluster_name') ?? member.name))
      const listen = saved.get('listen_addresses') ?? (st.savedFiles.includes('postgresql.conf') ? undefined : ['localhost', ...st.addresses].join(','))
      if (listen !== undefined) own.push(confLine('listen_addresses', listen))
    }
    return [...own, ...followLines(c, member, up)]
  }
  const KEYS = [...OWN_KEYS, ...FOLLOW_KEYS].join(' ')
  const configureArgv = (start: boolean) => ['sh', '-c', CONFIGURE_STANDBY, 'sh', member.dataDir, KEYS, ...(start ? startCommand(R).argv.slice(3) : [])]
  const configureCommand = (): Command =>
    isDebian
      ? R.pg(configureArgv(false), 'its own and follow settings (over stdin), standby.signal')
      : R.pg(['sh', '-c', REJOIN_RESTORE, 'sh', member.dataDir, key, ...PLAIN_FILES, '--', ...configureArgv(true)], 'its own config files back, its own and follow settings (over stdin), standby.signal, then start')
  const debianStartCommand = (): Command => R.pg(['sh', '-c', REJOIN_LIFT_START_CONF, 'sh', key, startConf, ...startCommand(R).argv.slice(3)], 'start.conf back from "disabled" (the fence marker stays), then pg_ctlcluster start')

  const staleSlotsQuery = (names: string[]) =>
    `SELECT json_build_object('missing', (SELECT count(*) FROM unnest(ARRAY[${names.map(lit).join(', ') || "''"}]::text[]) s WHERE s <> '' AND NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = s)), 'stale', (SELECT count(*) FROM pg_replication_slots WHERE NOT active AND restart_lsn IS NOT NULL AND slot_name = ANY (ARRAY[${names.map(lit).join(', ') || "''"}]::text[])))`
  const otherSlots = others.map((n) => slotName(n.name))

  const start: Step<RejoinParams> = {
    id: 'start',
    title: `Start ${member.name} as a standby`,
    hosts: [member.host],
    plan: () => [R.planned(configureCommand()), ...(isDebian ? [R.planned(debianStartCommand())] : []), R.planned(R.psql(freshSlotsStatements(c, member), 'its old slots dropped, fresh ones that reserve no WAL'))],
    async check() {
      const [up, own] = await Promise.all([primary(), readPosition(R)])
      if (!following(own, up)) return false
      const s = await R.json(staleSlotsQuery(otherSlots), z.object({ missing: z.number(), stale: z.number() }))
      return s.missing === 0 && s.stale === 0
    },
    async run(_ctx, report) {
      const up = await primary()
      const own = await readPosition(R)
      if (!following(own, up)) {
        if (isUp(own) && writable(own.pos)) {
          throw pgError('cluster_state', `${at} was started as a primary again after it was stopped for the rejoin: it may have taken writes of its own. Stop it, then run the rejoin again.`, { host: member.host })
        }
        const st = await dirState()
        if (st.running) await R.run(stopFastCommand(R), { timeoutMs: execTimeoutMs(120) })
        const stdin = settingsLines(st, up).join('\n') + '\n'
        const log = logFile(member, major)
        try {
          await R.run(configureCommand(), { stdin, timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
          if (isDebian) await R.run(debianStartCommand(), { timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
        } catch (err) {
          if (err instanceof AppError) throw pgError('cluster_state', `${member.name} did not start on ${member.host} as a standby of ${up.name}: ${err.message} See ${log} there; when it is fixed, resume the rejoin.`, { host: member.host, cause: err.message })
          throw err
        }
      }
      await R.sql(freshSlotsStatements(c, member))
      report({ message: `${member.name} runs as a standby of ${up.name}` })
    },
  }

  // ---- streaming ----------------------------------------------------------------------------
  const streaming: Step<RejoinParams> = {
    id: 'streaming',
    title: `Wait until ${member.name} streams`,
    hosts: [member.host],
    plan: () => {
      const P = nodeOf(plannedPrimary())
      return [P.planned(P.psql([waitStreamingSql([member.name], Math.ceil(p.streamTimeoutMs / 1000))], 'waits on the primary\'s pg_stat_replication'))]
    },
    async check() {
      const up = await primary()
      return (await waitStreaming(nodeOf(up), [member.name], 0)).length === 1
    },
    async run(_ctx, report) {
      const up = await primary()
      const s = Math.ceil(p.streamTimeoutMs / 1000)
      if ((await waitStreaming(nodeOf(up), [member.name], s)).length === 0) {
        throw pgError('not_streaming', `${at} runs as a standby but did not stream from ${up.name} within ${s} s. Look at its log (${logFile(member, major)}) on ${member.host}: the WAL it needs may be gone from ${up.name} (then rejoin with --rebuild). When it is fixed, resume the rejoin.`, { host: member.host })
      }
      report({ message: `${member.name} streams from ${up.name}` })
    },
  }

  // ---- unfence ------------------------------------------------------------------------------
  const forgetCommand = (): Command => R.pg(['sh', '-c', REJOIN_FORGET, 'sh', key], 'the saved settings go')
  const unfence: Step<RejoinParams> = {
    id: 'unfence',
    title: `Lift ${member.name}'s fence`,
    hosts: [member.host],
    plan: () => [R.planned(unfenceCommand(R)), R.planned(forgetCommand())],
    async check() {
      const st = await dirState()
      return !st.fenced && !st.saved && st.startConf !== 'disabled'
    },
    async run(_ctx, report) {
      await R.run(unfenceCommand(R))
      await R.run(forgetCommand())
      report({ message: `${member.name} is no longer fenced${isDebian ? ' (start.conf restored)' : ''}` })
    },
  }

  return [preflight, checkpoint, stop, p.rebuild ? rebuild : rewind, start, streaming, unfence, syncAgain(c, member, others)]
}

/**
 * Last: a synchronous member is named again in synchronous_standby_names (a failover left it
 * out while it was fenced): on the other standbys as the record says, on the primary only as
 * far as the standbys streaming now satisfy (never a setting that makes writes wait for ever).
 */
function syncAgain(c: PgCluster, member: PgMember, others: readonly PgNode[]): Step<RejoinParams> {
  const joined: PgCluster = { ...c, fenced: c.fenced.filter((n) => n !== member.name) }
  const wanted = async () => {
    const seen = (await Promise.all(others.map((n) => readPosition(n)))).filter(isUp)
    return seen.map((s) => {
      const want = syncNames(joined, s.member.name)
      const streamingNow = s.pos.senders.filter((x) => x.state === 'streaming').map((x) => x.name)
      return { s, want: s.pos.inRecovery ? want : degradedSyncValue(joined, want, streamingNow) }
    })
  }
  return {
    id: 'sync',
    title: member.sync ? `Name ${member.name} again in synchronous_standby_names` : `synchronous_standby_names (${member.name} is asynchronous: nothing to do)`,
    hosts: [...new Set(others.map((n) => n.host))],
    plan: () => (member.sync ? others.map((n) => n.planned(n.psql([alterSystem('synchronous_standby_names', syncNames(joined, n.name)), 'SELECT pg_reload_conf()'], 'where it differs; on the primary only as far as the streaming standbys satisfy'))) : []),
    check: async () => !member.sync || (await wanted()).every(({ s, want }) => s.pos.syncNames === want),
    async run(_ctx, report) {
      const todo = (await wanted()).filter(({ s, want }) => s.pos.syncNames !== want)
      await Promise.all(todo.map(({ s, want }) => others.find((n) => n.name === s.member.name)!.sql([alterSystem('synchronous_standby_names', want), 'SELECT pg_reload_conf()'])))
      report({ message: todo.length ? todo.map(({ s, want }) => `${s.member.name}: '${want || 'asynchronous'}'`).join('; ') : 'synchronous_standby_names already right' })
    },
  }
}
