// What switchover, failover, rejoin and fence share: each member's position read in one query,
// the fast stop, the fence, promotion, and making a standby follow another primary.
import { z } from 'zod'
import { AppError } from '../../../../shared/errors'
import { lsnDiff } from './lsn'
import { claimKey } from './claims'
import { conninfo, confLine } from './conf'
import { pgError } from './errors'
import { execTimeoutMs, isRunning, startCommand, START_TIMEOUT_S } from './instance'
import { debianConfDir, slotName, type PgCluster, type PgMember } from './model'
import { PgNode, type Command } from './node'
import type { HostExec } from '../host-exec'
import { CONFIGURE_STANDBY, FENCE, FENCED, STOP_FAST, UNFENCE } from './scripts'
import { lit } from './sql'
import { alterSystem, createSlotSql } from './statements'
import { syncNames } from './sync'

export const position = z.object({
  inRecovery: z.boolean(),
  readOnly: z.boolean(),
  /** Received (standby: flushed by the WAL receiver, else replayed) or written (primary). */
  lsn: z.string().nullable(),
  replayLsn: z.string().nullable(),
  /** The WAL receiver's state and upstream, when it runs. */
  receiver: z.string().nullable(),
  upstream: z.string().nullable(),
  conninfo: z.string(),
  syncNames: z.string(),
  senders: z.array(z.object({ name: z.string(), state: z.string().nullable(), replay: z.string().nullable() })),
})
export type Position = z.infer<typeof position>

export const positionQuery = `SELECT json_build_object(
  'inRecovery', pg_is_in_recovery(),
  'readOnly', current_setting('transaction_read_only')::bool,
  'lsn', CASE WHEN pg_is_in_recovery() THEN coalesce(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::text ELSE pg_current_wal_lsn()::text END,
  'replayLsn', pg_last_wal_replay_lsn()::text,
  'receiver', (SELECT status FROM pg_stat_wal_receiver),
  'upstream', (SELECT sender_host || ':' || sender_port FROM pg_stat_wal_receiver),
  'conninfo', current_setting('primary_conninfo'),
  'syncNames', current_setting('synchronous_standby_names'),
  'senders', (SELECT coalesce(json_agg(json_build_object('name', application_name, 'state', state, 'replay', replay_lsn::text)), '[]') FROM pg_stat_replication)
)`

/** A member as read just now: its position, or why it could not be read. */
export type Seen = { member: PgMember; pos: Position } | { member: PgMember; error: AppError }
export const isUp = (s: Seen): s is { member: PgMember; pos: Position } => 'pos' in s
export const writable = (p: Position) => !p.inRecovery && !p.readOnly

/** Reads a member's position; any failure (host gone, server stopped) is an answer, not a throw. */
export async function readPosition(n: PgNode, timeoutMs = 5000): Promise<Seen> {
  try {
    const out = (await n.run(n.psql([positionQuery]), { timeoutMs })).stdout.trim()
    return { member: n.member, pos: position.parse(JSON.parse(out.split('\n').at(-1) ?? '')) }
  } catch (err) {
    if (err instanceof AppError) return { member: n.member, error: err }
    if (err instanceof SyntaxError || err instanceof z.ZodError) return { member: n.member, error: new AppError('internal', `Unexpected answer from PostgreSQL on ${n.host}.`) }
    throw err
  }
}

/** How far `a` is ahead of `b` in bytes (null when either is unknown). */
export const ahead = (a: string | null, b: string | null) => lsnDiff(a, b)

// ---- following a primary ------------------------------------------------------------------

/** primary_conninfo of `member` when it follows `upstream`. */
export const followConninfo = (c: PgCluster, member: PgMember, upstream: PgMember) =>
  conninfo({ host: upstream.address, port: upstream.port, user: c.replicationRole, application_name: member.name })

/** Whether a primary_conninfo string points at `upstream`. */
export function pointsAt(info: string, upstream: PgMember): boolean {
  const host = /(?:^|\s)host='?([^'\s]+)/.exec(info)?.[1]
  const port = /(?:^|\s)port='?(\d+)/.exec(info)?.[1]
  return host === upstream.address && Number(port ?? 5432) === upstream.port
}

/** Keys a standby's follow settings replace in postgresql.auto.conf. */
const FOLLOW_KEYS = 'primary_conninfo primary_slot_name synchronous_standby_names'

/** Its settings to follow `upstream`, as postgresql.auto.conf lines. */
export const followLines = (c: PgCluster, member: PgMember, upstream: PgMember) => [
  confLine('primary_conninfo', followConninfo(c, member, upstream)),
  confLine('primary_slot_name', slotName(member.name)),
  confLine('synchronous_standby_names', syncNames(c, member.name)),
]

/**
 * Writes the follow settings and standby.signal into a stopped member's data dir, and with
 * `start` starts it (a standby from its first moment). Settings travel over stdin.
 */
export function configureFollowCommand(n: PgNode, start: boolean): Command {
  return n.pg(['sh', '-c', CONFIGURE_STANDBY, 'sh', n.member.dataDir, FOLLOW_KEYS, ...(start ? startCommand(n).argv.slice(3) : [])], start ? 'follow settings (over stdin) and standby.signal, then start' : 'follow settings (over stdin) and standby.signal')
}

export async function configureFollow(c: PgCluster, n: PgNode, upstream: PgMember, start: boolean): Promise<void> {
  try {
    await n.run(configureFollowCommand(n, start), { stdin: followLines(c, n.member, upstream).join('\n') + '\n', timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
  } catch (err) {
    if (err instanceof AppError && start) throw pgError('cluster_state', `${n.name} did not start on ${n.host} as a standby of ${upstream.name}: ${err.message}`, { host: n.host, cause: err.message })
    throw err
  }
}

/** A running standby re-pointed: ALTER SYSTEM + reload (PostgreSQL 13+ restarts its WAL receiver). */
export const repointStatements = (c: PgCluster, member: PgMember, upstream: PgMember) => [
  alterSystem('primary_conninfo', followConninfo(c, member, upstream)),
  alterSystem('primary_slot_name', slotName(member.name)),
  'SELECT pg_reload_conf()',
]

/**
 * Slots a demoted member keeps for the others: the old ones held WAL from its time as primary
 * (a slot on a standby pins WAL there too), so they are dropped and made again without
 * reserving WAL.
 */
export function freshSlotsStatements(c: PgCluster, member: PgMember): string[] {
  const slots = c.members.filter((m) => m.name !== member.name).map((m) => slotName(m.name))
  const arr = `ARRAY[${slots.map(lit).join(', ')}]::text[]`
  return [`SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots WHERE NOT active AND restart_lsn IS NOT NULL AND slot_name = ANY (${arr})`, createSlotSql(slots, false)]
}

// ---- stop, fence, promote -------------------------------------------------------------------

export const stopFastCommand = (n: PgNode, limitS = 120): Command => n.pg(['sh', '-c', STOP_FAST, 'sh', n.member.dataDir, n.tool('pg_controldata'), String(limitS)], 'SIGINT (fast shutdown), waits for the pid file to go, prints the last checkpoint')

export interface Stopped {
  state: string
  checkpoint: string
  timeline: number
}

export function parseStopped(out: string, host: string): Stopped {
  const [state, checkpoint, tli] = out.trim().split('\n').map((l) => l.trim())
  if (!state || !checkpoint || !/^[0-9A-F]+\/[0-9A-F]+$/.test(checkpoint)) throw new AppError('internal', `pg_controldata on ${host} gave an unexpected answer: ${out.slice(0, 200)}`)
  return { state, checkpoint, timeline: Number(tli ?? 0) }
}

/** The control file's state and last checkpoint, read without touching the server. */
export const controlCommand = (n: PgNode): Command =>
  n.pg(['sh', '-c', `LC_ALL=C "$1" -D "$2" | sed -n -e 's/^Database cluster state: *//p' -e 's/^Latest checkpoint location: *//p' -e "s/^Latest checkpoint's TimeLineID: *//p"`, 'sh', n.tool('pg_controldata'), n.member.dataDir], 'reads the control file')

export async function readControl(n: PgNode): Promise<Stopped> {
  return parseStopped((await n.run(controlCommand(n))).stdout, n.host)
}

export async function stopFast(n: PgNode): Promise<Stopped> {
  const r = await n.run(stopFastCommand(n), { timeoutMs: execTimeoutMs(120) })
  return parseStopped(r.stdout, n.host)
}

const startConf = (n: PgNode) => (n.member.layout === 'debian' ? `${debianConfDir(n.member, n.major)}/start.conf` : '-')

export const fenceCommand = (n: PgNode, reason: string): Command =>
  n.pg(['sh', '-c', FENCE, 'sh', n.member.dataDir, claimKey(n.member.dataDir), startConf(n), reason], n.member.layout === 'debian' ? 'standby.signal, start.conf disabled, fence marker' : 'standby.signal, fence marker')

export const unfenceCommand = (n: PgNode): Command => n.pg(['sh', '-c', UNFENCE, 'sh', claimKey(n.member.dataDir), startConf(n)], 'fence marker removed, start.conf restored')

export async function isFenced(n: PgNode): Promise<boolean> {
  return (await n.run(n.pg(['sh', '-c', FENCED, 'sh', claimKey(n.member.dataDir)]))).stdout.includes('fenced')
}

/**
 * The fast stop, the fence files and (when FOLLOW is not -) the follow settings from stdin, in
 * one remote command: one round trip where a failover waits on it. Each part is the fixed
 * script of scripts.ts, handed over as an argument. Args: STOP FENCE FOLLOW|- DATADIR
 * PG_CONTROLDATA LIMIT_S KEY START_CONF|- REASON KEYS.
 */
const STOP_AND_FENCE = String.raw`set -eu
stop=$1 fence=$2 follow=$3 d=$4 controldata=$5 limit=$6 key=$7 startconf=$8 reason=$9 keys=${'$'}{10}
sh -c "$stop" sh "$d" "$controldata" "$limit"
sh -c "$fence" sh "$d" "$key" "$startconf" "$reason"
if [ "$follow" != - ]; then sh -c "$follow" sh "$d" "$keys"; fi`

export const stopAndFenceCommand = (n: PgNode, follow: boolean, reason: string, limitS = 120): Command =>
  n.pg(['sh', '-c', STOP_AND_FENCE, 'sh', STOP_FAST, FENCE, follow ? CONFIGURE_STANDBY : '-', n.member.dataDir, n.tool('pg_controldata'), String(limitS), claimKey(n.member.dataDir), startConf(n), reason, FOLLOW_KEYS], `fast stop (a live postmaster of this data dir only), standby.signal, fence marker${n.member.layout === 'debian' ? ', start.conf disabled' : ''}${follow ? ', follow settings (over stdin)' : ''}; prints the last checkpoint`)

/**
 * Stops a member and fences it; when `upstream` is known its follow settings are written too,
 * so a hand-started server comes up as that primary's standby. One remote command, bounded by
 * `timeoutMs` (connect included). Idempotent.
 */
export async function fence(c: PgCluster, n: PgNode, upstream: PgMember | undefined, reason: string, timeoutMs?: number): Promise<Stopped> {
  const stdin = upstream ? followLines(c, n.member, upstream).join('\n') + '\n' : undefined
  const r = await n.run(stopAndFenceCommand(n, !!upstream, reason), { timeoutMs: timeoutMs ?? execTimeoutMs(120), ...(stdin && { stdin }) })
  return parseStopped(r.stdout, n.host)
}

/** The fence's files only (the server is stopped already). */
export async function fenceFiles(c: PgCluster, n: PgNode, upstream: PgMember | undefined, reason: string, timeoutMs?: number): Promise<void> {
  await n.run(fenceCommand(n, reason), { timeoutMs })
  if (upstream) await n.run(configureFollowCommand(n, false), { stdin: followLines(c, n.member, upstream).join('\n') + '\n', timeoutMs })
}

/**
 * Promotes a standby and returns once it accepts writes: pg_promote without its own wait
 * (which polls every 100 ms), then the end of recovery polled every 5 ms on the server.
 */
export const promoteStatements = (timeoutS = 60) => [
  'SELECT pg_promote(false)',
  `DO $rd$
DECLARE deadline timestamptz := clock_timestamp() + ${lit(`${timeoutS} s`)}::interval;
BEGIN
  WHILE pg_is_in_recovery() LOOP
    IF clock_timestamp() > deadline THEN RAISE EXCEPTION 'replicadesk: still in recovery'; END IF;
    PERFORM pg_sleep(0.005);
  END LOOP;
END $rd$`,
]

/** `after`: statements run in the same command once it accepts writes. */
export async function promote(n: PgNode, timeoutS = 60, after: readonly string[] = []): Promise<void> {
  try {
    await n.sql([...promoteStatements(timeoutS), ...after], { timeoutMs: (timeoutS + 30) * 1000 })
  } catch (err) {
    if (err instanceof AppError && /still in recovery/.test(err.message)) throw pgError('cluster_state', `${n.name} on ${n.host} did not finish recovery within ${timeoutS} s after pg_promote. Look at its log.`, { host: n.host })
    throw err
  }
}

/** Waits on `primary` until each named standby streams from it; returns those that do not. */
export function waitStreamingSql(names: readonly string[], timeoutS: number): string {
  return `DO $rd$
DECLARE deadline timestamptz := clock_timestamp() + ${lit(`${timeoutS} s`)}::interval;
BEGIN
  LOOP
    EXIT WHEN (SELECT count(DISTINCT application_name) FROM pg_stat_replication WHERE state = 'streaming' AND application_name = ANY (ARRAY[${names.map(lit).join(', ') || "''"}]::text[])) >= ${names.length};
    IF clock_timestamp() > deadline THEN RAISE EXCEPTION 'replicadesk: not streaming'; END IF;
    PERFORM pg_sleep(0.01);
  END LOOP;
END $rd$`
}

/** Which of `names` stream from the primary `n` after up to `timeoutS`. */
export async function waitStreaming(n: PgNode, names: readonly string[], timeoutS: number): Promise<string[]> {
  if (names.length) {
    await n.sql([waitStreamingSql(names, timeoutS)], { timeoutMs: (timeoutS + 30) * 1000 }).catch((err: unknown) => {
      if (!(err instanceof AppError && /not streaming/.test(err.message))) throw err
    })
  }
  const now = await n.json(`SELECT coalesce(json_agg(DISTINCT application_name), '[]') FROM pg_stat_replication WHERE state = 'streaming'`, z.array(z.string()))
  return names.filter((x) => now.includes(x))
}

/**
 * Undoing a fence before anything was promoted: the marker and standby.signal go, and the
 * member starts again as the primary it was.
 */
export async function unfenceAndStart(n: PgNode): Promise<void> {
  await n.run(unfenceCommand(n))
  await n.run(n.pg(['rm', '-f', '--', `${n.member.dataDir}/standby.signal`]))
  if (!(await isRunning(n))) await n.run(startCommand(n), { timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
}

/**
 * Where a role change is abandoned past its promotion: nothing goes back (that would lose
 * writes); every reachable member follows the one writable member, stopped ones are set to
 * follow it and started. Does nothing unless exactly one member is writable.
 */
export async function converge(hosts: HostExec, c: PgCluster): Promise<string> {
  const node = (m: PgMember) => new PgNode(hosts, m, c.major)
  const seen = await Promise.all(c.members.map((m) => readPosition(node(m))))
  const writers = seen.filter((s) => isUp(s) && writable(s.pos))
  if (writers.length !== 1) return `not converged: ${writers.length} writable members`
  const up = writers[0]!.member
  const done = await Promise.all(
    seen
      .filter((s) => s.member.name !== up.name)
      .map(async (s) => {
        const n = node(s.member)
        if (isUp(s)) {
          if (pointsAt(s.pos.conninfo, up)) return `${n.name} follows`
          await n.sql(repointStatements(c, n.member, up))
          return `${n.name} re-pointed`
        }
        if ((await isRunning(n).catch(() => undefined)) !== false) return `${n.name} not reachable`
        if (c.fenced.includes(n.name) || (await isFenced(n))) return `${n.name} fenced: rejoin it`
        await configureFollow(c, n, up, true)
        return `${n.name} started as a standby`
      }),
  )
  return `${up.name} is the primary; ${done.join(', ')}`
}
