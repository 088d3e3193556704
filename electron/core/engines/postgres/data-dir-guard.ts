// The one rule for what ReplicaDesk may empty, delete or overwrite on a host: a shell function
// (rd_guard) that every deleting script runs on the server right before it deletes, and that the
// pre-flights run on their own (mode `check`) to say it before anything changes; plus the TS
// side that builds its arguments and turns its answer into a message naming host, path and what
// to do. Hard refusals (system dirs, homes, ReplicaDesk's own dirs, anything above, below or at
// another member's or a running server's data dir, a nested data dir, a symlink, a non-dir) are
// never lifted by any flag; the content rule (a stale copy of this cluster, or what the user
// confirmed twice) is the only thing a flag changes.
import { z } from 'zod'
import type { AppError } from '../../../../shared/errors'
import { explainGuardExit, GUARD_PROTECTED, GUARD_REL, GUARD_SYSTEM_DIRS, GUARD_SYSTEM_VAR, GUARD_TARGET, guardRunning, parseGuard, type GuardAnswer, type NewDataDirFacts } from '../data-dir-guard'
import { pgError } from './errors'
import type { Command, PgNode } from './node'

export { knownDataDir, parseGuard, protectedDirs, type GuardAnswer } from '../data-dir-guard'

// Running servers: postgres processes (the check-own exception commented in the script itself).
const RUNNING = guardRunning('    [ "$rd_n" = postgres ] || continue', "    # check-own: the member's own server, which the operation stops before the step deletes.")

/**
 * `rd_guard MODE TARGET PG_CONTROLDATA ALLOW PROTECTED`: MODE check (prints facts and size),
 * check-own (the same, but a server running on TARGET itself, the member's own that the
 * operation stops first, is only reported) or step; ALLOW `any` (the user confirmed that
 * whatever is there goes), `sysid:N` (only a copy of the cluster with system identifier N),
 * `none` (only a missing or empty dir); PROTECTED: other members' data dirs on this host, one
 * per line. Prints `refuse KIND PATH` and returns 4 on a
 * hard refusal; returns 5 when the content is not provably what ALLOW lets go; 0 otherwise.
 * Paths are compared resolved (readlink -m) and only against servers of this mount namespace.
 */
export const GUARD_FN = String.raw`${GUARD_REL}
rd_guard() {
  rd_mode=$1 rd_t=$2 rd_cd=$3 rd_allow=$4 rd_prot=$5
${GUARD_TARGET}
  case $rd_r in
${GUARD_SYSTEM_DIRS}
    /var/lib/postgresql|/var/lib/pgsql|/var/lib/replicadesk|/var/lib/replicadesk/*) echo "refuse system $rd_r"; return 4 ;;
${GUARD_SYSTEM_VAR}
  esac
  # Direct children of system parents (a case pattern's * also matches /: parents are compared whole).
  case ${'$'}{rd_r%/*} in
    /var|/var/lib|/home|/opt|/usr/local) echo "refuse system $rd_r"; return 4 ;;
    /var/lib/postgresql|/var/lib/pgsql) case ${'$'}{rd_r##*/} in [0-9]*) echo "refuse system $rd_r"; return 4 ;; esac ;;
  esac
  rd_login=${'$'}{SUDO_USER:-$(id -un)}
  for rd_h in "$(getent passwd postgres | cut -d: -f6)" "$(getent passwd "$rd_login" | cut -d: -f6)" "$HOME"; do
    [ -n "$rd_h" ] || continue
    rd_h=$(readlink -m -- "$rd_h")
    case $(rd_rel "$rd_r" "$rd_h") in equal|above) echo "refuse home $rd_h"; return 4 ;; esac
    case $(rd_rel "$rd_r" "$rd_h/.replicadesk") in ?*) echo "refuse replicadesk $rd_h/.replicadesk"; return 4 ;; esac
    case $rd_r in "$rd_h"/.*) echo "refuse home $rd_h"; return 4 ;; esac
  done
${GUARD_PROTECTED}
${RUNNING}
  rd_s=missing rd_id=
  if [ -e "$rd_r" ]; then
    rd_n=$(find "$rd_r" -xdev -mindepth 3 -maxdepth 4 -path '*/global/pg_control' -print -quit 2>/dev/null || true)
    [ -z "$rd_n" ] || { echo "refuse nested ${'$'}{rd_n%/global/pg_control}"; return 4; }
    if ! rd_l=$(find "$rd_r" -mindepth 1 -maxdepth 1 -print -quit 2>/dev/null); then rd_s=unreadable
    elif [ -z "$rd_l" ]; then rd_s=empty
    else rd_s=nonempty; fi
    if [ -x "$rd_cd" ] && [ -f "$rd_r/global/pg_control" ]; then
      rd_id=$(LC_ALL=C "$rd_cd" -D "$rd_r" 2>/dev/null | sed -n 's/^Database system identifier: *//p')
    fi
  fi
  if [ "$rd_mode" != step ]; then
    echo "content $rd_s"
    [ -z "$rd_id" ] || echo "sysid $rd_id"
    [ "$rd_s" = nonempty ] && echo "size $(timeout 20 du -sxh -- "$rd_r" 2>/dev/null | cut -f1)"
  fi
  case $rd_s in missing|empty) return 0 ;; esac
  [ "$rd_allow" = any ] && return 0
  [ -n "$rd_id" ] && [ "$rd_allow" = "sysid:$rd_id" ] && return 0
  echo "refuse content $rd_r"
  return 5
}`

/** The guard alone, read-only: its facts and verdict. Args: check|check-own TARGET PG_CONTROLDATA ALLOW PROTECTED. */
const GUARD_CHECK = String.raw`${GUARD_FN}
rd_guard "$1" "$2" "$3" "$4" "$5"
echo "verdict $?"
exit 0`

/**
 * The guard in step mode, then the remaining arguments (e.g. pg_dropcluster, which deletes the
 * data dir itself). Exit 4/5: refused. Args: TARGET PROTECTED COMMAND...
 */
export const GUARDED_EXEC = String.raw`${GUARD_FN}
t=$1 prot=$2; shift 2
if [ -e "$t" ] || [ -L "$t" ]; then rd_guard step "$t" - any "$prot" >&2 || exit $?; fi
exec "$@"`

/** What may go besides a missing or empty dir: anything (confirmed twice), a copy of cluster N, nothing. */
export type Allow = 'any' | `sysid:${string}` | 'none'

export const allowArg = (o: { any?: boolean; sysid?: string }): Allow => (o.any ? 'any' : o.sysid ? `sysid:${o.sysid}` : 'none')

/** `own`: the target is a member's data dir whose server the operation stops before deleting. */
export function guardCommand(n: PgNode, target: string, allow: Allow, prot: string, own = false): Command {
  return n.pg(['sh', '-c', GUARD_CHECK, 'sh', own ? 'check-own' : 'check', target, n.tool('pg_controldata'), allow, prot], 'reads only: may ReplicaDesk delete there?')
}

export async function checkDataDir(n: PgNode, target: string, allow: Allow, prot: string, own = false): Promise<GuardAnswer> {
  return parseGuard((await n.run(guardCommand(n, target, allow, prot, own), { timeoutMs: 60_000 })).stdout)
}

/** Why a hard refusal, in words. */
function reason(kind: string, path: string): string {
  switch (kind) {
    case 'relative':
      return 'it is not an absolute path'
    case 'symlink':
      return 'it is a symbolic link (ReplicaDesk deletes only in a plain directory, never through a link)'
    case 'notdir':
      return 'it exists and is not a directory'
    case 'unresolvable':
      return 'the host cannot resolve the path (ReplicaDesk needs GNU readlink -m there to compare paths)'
    case 'system':
      return `${path} is a system directory or a direct child of one`
    case 'home':
      return `it is, or contains, the home directory ${path}`
    case 'replicadesk':
      return `it is, contains or lies inside ReplicaDesk's own directory ${path}`
    case 'member-equal':
      return `it is the data directory of another member on this host (${path})`
    case 'member-above':
      return `it contains the data directory of another member on this host (${path})`
    case 'member-below':
      return `it lies inside the data directory of another member on this host (${path})`
    case 'running-equal':
      return `a PostgreSQL server runs on it (${path})`
    case 'running-above':
      return `it contains the data directory of a running PostgreSQL server (${path})`
    case 'running-below':
      return `it lies inside the data directory of a running PostgreSQL server (${path})`
    case 'nested':
      return `it contains another PostgreSQL data directory (${path})`
    default:
      return `${kind} ${path}`.trim()
  }
}

/**
 * The refusal of a hard rule: no flag lifts it. A new member picks another directory; an
 * existing member's (`member`: rejoin --rebuild, remove --delete-data) needs what is in the way moved.
 */
export function guardRefusal(host: string, target: string, r: { kind: string; path: string }, action: string, member = false): AppError {
  const todo = member
    ? `Move what is in the way out of ${target} (or correct the member's data directory in the cluster record), then run it again; or delete by hand only what you know is not needed.`
    : 'Pick a data directory of its own for this member (a new or empty directory such as /var/lib/postgresql/<major>/<name>).'
  return pgError('preflight_failed', `ReplicaDesk will not ${action} ${target} on ${host}: ${reason(r.kind, r.path)}. Nothing was deleted. ${todo}`, { host, path: target, check: 'data_dir_guard', guard: r.kind, guardPath: r.path })
}

/**
 * A step script that ran the guard failed: its refusal (exit 4, or 5 for content not provably
 * ours) as the same message the pre-flight gives; any other failure unchanged.
 */
export function explainGuardFailure(err: unknown, host: string, target: string, action: string, member = false): unknown {
  return explainGuardExit(
    err,
    (r) => guardRefusal(host, target, r, action, member),
    () => pgError('preflight_failed', `ReplicaDesk will not ${action} ${target} on ${host}: what is in it now is not provably a copy of this cluster (it changed since the plan, or the plan was not confirmed for unrelated data). Nothing was deleted. Look at what is there; move it away, or confirm its deletion explicitly (replica add: --overwrite --overwrite-unrelated).`, { host, path: target, check: 'data_dir_guard', guard: 'content' }),
  )
}

/** The cluster's system identifier, read on any member (all members of a cluster share it). */
export async function clusterSysid(n: PgNode): Promise<string> {
  return (await n.json(`SELECT json_build_object('id', system_identifier::text) FROM pg_control_system()`, z.object({ id: z.string() }))).id
}

/** What is in a non-empty target, in words: its size and whether it is a stale copy of this cluster. */
function described(a: GuardAnswer, sysid: string | undefined, clusterId: string): string {
  const size = a.size ? `${a.size} on disk` : 'size unknown'
  if (a.sysid && a.sysid === sysid) return `${size}, a stale copy of cluster ${clusterId} (system identifier ${a.sysid})`
  if (a.sysid) return `${size}, a PostgreSQL data directory of ANOTHER cluster (system identifier ${a.sysid}, cluster ${clusterId} has ${sysid ?? 'another'})`
  return `${size}, not a PostgreSQL data directory of cluster ${clusterId}`
}

export interface NewDataDirJudgement extends NewDataDirFacts {
  /** The second confirmation (--overwrite-unrelated): not only a stale copy of this cluster may go. */
  unrelated: boolean
  /** The cluster's system identifier. */
  sysid: string
  clusterId: string
}

/**
 * The pre-flight's verdict on a new member's data dir: hard refusals first (no flag lifts
 * them); a non-empty dir needs --overwrite, and one that is not a stale copy of this cluster
 * needs --overwrite-unrelated as well. Throws a message with host, path, size and what to do.
 */
export function judgeNewDataDir(j: NewDataDirJudgement): void {
  const { host, target, answer: a } = j
  if (a.verdict === 4 && a.refusal) throw guardRefusal(host, target, a.refusal, j.overwrite ? 'empty' : 'use')
  if (a.verdict < 0) throw pgError('preflight_failed', `ReplicaDesk could not check ${target} on ${host} (the guard gave no verdict), so it touches nothing there. Check that the postgres user can run sh, find and readlink there, then try again.`, { host, path: target, check: 'data_dir_guard' })
  // A server running on the target that is not this operation's own: the probe's verdict
  // (checkNewMember) names it, with what to do; the step's guard refuses it in any case.
  if (j.ours || a.ownRunning || a.content !== 'nonempty') return
  const stale = a.sysid !== undefined && a.sysid === j.sysid
  const what = described(a, j.sysid, j.clusterId)
  const detail = { host, path: target, check: 'data_dir', size: a.size, stale }
  if (!j.overwrite) {
    const todo = stale ? 'run again with --overwrite to replace it' : 'to delete everything in it, run again with --overwrite --overwrite-unrelated'
    throw pgError('preflight_failed', `The data directory ${target} on ${host} is not empty (${what}). Pick an empty or new directory, or ${todo}.`, detail)
  }
  if (!stale && !j.unrelated) {
    throw pgError('preflight_failed', `ReplicaDesk will not empty ${target} on ${host} on --overwrite alone: it holds ${what}. --overwrite deletes only a stale copy of this cluster. Nothing was deleted. If everything in ${target} may go, run again with --overwrite --overwrite-unrelated (a second confirmation); else pick another directory for ${j.member}.`, { ...detail, confirm: '--overwrite-unrelated' })
  }
}

/** Backstop after the probe's verdict: a server runs on the target and it is not this operation's own. */
export function refuseRunningOnTarget(host: string, target: string, a: GuardAnswer, ours: boolean): void {
  if (a.ownRunning && !ours) throw guardRefusal(host, target, { kind: 'running-equal', path: a.ownRunning }, 'use')
}

/** The plan's note on what --overwrite would delete there, read now (a dry run changes nothing). */
export async function planDeletionNote(n: PgNode, target: string, prot: string, sources: readonly PgNode[], unrelated: boolean, clusterId: string): Promise<string> {
  try {
    const [a, sysid] = await Promise.all([checkDataDir(n, target, 'none', prot), Promise.any(sources.map((s) => clusterSysid(s))).catch(() => undefined)])
    if (a.verdict === 4 && a.refusal) return `REFUSED: ${target} on ${n.host} will not be touched: ${reason(a.refusal.kind, a.refusal.path)}`
    if (a.content !== 'nonempty') return `deletes nothing: ${target} on ${n.host} is ${a.content}`
    const stale = a.sysid !== undefined && a.sysid === sysid
    const what = described(a, sysid, clusterId)
    return `DELETES everything in ${target} on ${n.host}: ${what}${stale || unrelated ? '' : '. Needs the second confirmation --overwrite-unrelated: without it the pre-flight refuses'}`
  } catch (err) {
    return `DELETES everything in ${target} on ${n.host} if the pre-flight allows it (could not read it now: ${(err as Error).message})`
  }
}
