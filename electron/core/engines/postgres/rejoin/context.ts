// What every step of a rejoin works from (explicit inputs: the params, the nodes, the names
// derived from them), the reads several steps make, and the one read pre-flight hands to the
// later steps of the same attempt: which member is the primary, and which members answered
// (Located, handoff.ts).
import type { AppError } from '../../../../../shared/errors'
import type { HostExec } from '../../host-exec'
import type { RejoinParams } from '../rejoin'
import { pgError } from '../errors'
import type { Attempt, Handoff } from '../../handoff'
import { hostAddresses } from '../hba'
import { debianConfDir, type PgMember } from '../model'
import type { Command, PgNode } from '../node'
import { isUp, pointsAt, readPosition, waitStreaming, writable, type Seen } from '../roles'
import { REJOIN_STATE } from '../rejoin-scripts'
import { memberOp, type MemberOp } from '../member-op'

export interface RejoinOp extends MemberOp<RejoinParams> {
  isDebian: boolean
  /** Debian: the cluster's config dir. */
  confDir?: string
  /** Debian: its start.conf; '-' otherwise. */
  startConf: string
  /** `db2 on host2`, for messages. */
  at: string
  rebuildHint: string
}

/** Every member read at one moment, and the one writable member other than this one. */
export interface Located {
  up: PgMember
  own: Seen
  seen: Seen[]
}

/** The reads handed from step to step within one attempt (see each step's header). */
export interface RejoinHandoffs {
  /** Located by pre-flight, which runs on every attempt. */
  located: Handoff<Located>
}

export function rejoinOp(hosts: HostExec, p: RejoinParams): RejoinOp {
  const op = memberOp(hosts, p)
  const { c, member } = op
  const isDebian = member.layout === 'debian'
  const confDir = isDebian ? debianConfDir(member, c.major) : undefined
  return {
    ...op,
    isDebian,
    confDir,
    startConf: confDir ? `${confDir}/start.conf` : '-',
    at: `${member.name} on ${member.host}`,
    rebuildHint: `replicadesk rejoin ${c.id} ${member.name} --rebuild`,
  }
}

export const hostsOf = (ns: readonly PgNode[]) => [...new Set(ns.map((n) => n.host))]

/** The primary to show in a plan (nothing is read for a plan). */
export const plannedPrimary = (op: RejoinOp) => op.others[0]!.member

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

export const stateCommand = (op: RejoinOp): Command => op.R.pg(['sh', '-c', REJOIN_STATE, 'sh', op.member.dataDir, op.key, op.startConf, op.R.tool('pg_controldata'), op.confDir ?? '-'], 'reads only')
export const dirState = async (op: RejoinOp) => parseDirState((await op.R.run(stateCommand(op))).stdout)

/** Reads every member now; the one writable member other than this one, else a clear refusal. */
export async function locate(op: RejoinOp): Promise<Located> {
  const { c, member, R, others, at } = op
  const [own, ...seen] = await Promise.all([readPosition(R), ...others.map((n) => readPosition(n))])
  const w = seen.filter(isUp).filter((s) => writable(s.pos))
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
  return { up: w[0]!.member, own, seen }
}

/**
 * The primary as pre-flight located it in this attempt (it runs first on every attempt; under
 * the cluster lease it stays the primary), else located now and handed along.
 */
export async function located(op: RejoinOp, h: RejoinHandoffs, a: Attempt): Promise<Located> {
  return h.located.get(a) ?? h.located.put(a, await locate(op))
}

/** A standby of `up` with the follow settings ReplicaDesk writes. */
export const following = (op: RejoinOp, s: Seen, up: PgMember) => isUp(s) && s.pos.inRecovery && pointsAt(s.pos.conninfo, up) && s.pos.conninfo.includes(`application_name=${op.member.name}`)

/**
 * Whether the member is joined already: a standby streaming from `up`, unfenced, no rejoin
 * under way (never with --rebuild: that copies afresh whatever runs). `st` and `own`: read
 * just now; the stream is asked of the primary only when the rest says yes.
 */
export async function isJoined(op: RejoinOp, up: PgMember, st: DirState, own: Seen): Promise<boolean> {
  return !op.p.rebuild && following(op, own, up) && !st.fenced && !st.saved && (await waitStreaming(op.nodeOf(up), [op.member.name], 0)).length === 1
}

/** The member's data dir and whether it is joined already, read now (one round trip unless it may be). */
export async function readJoined(op: RejoinOp, up: PgMember): Promise<{ st: DirState; joined: boolean }> {
  const [st, own] = await Promise.all([dirState(op), readPosition(op.R)])
  return { st, joined: await isJoined(op, up, st, own) }
}
