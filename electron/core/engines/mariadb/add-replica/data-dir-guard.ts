// The one rule for what the MariaDB engine may empty, fill or delete on a host: a shell function
// (rd_guard) that every script that empties, fills or deletes a datadir runs on the server right
// before it acts, and that the pre-flights run on their own (mode `check`) to say it before
// anything changes; plus the TS side that turns its answer into a message naming host, path and
// what to do. Hard refusals (system dirs, homes, ReplicaDesk's own dirs, anything above, below or
// at another member's or a running server's datadir, a nested datadir, a symlink, a non-dir) are
// never lifted by any flag; the content rule (empty, or what the user confirmed, or this
// operation's own half-made copy) is the only thing that changes. Used by add- and remove-replica.
import type { AppError } from '../../../../../shared/errors'
import { explainGuardExit, GUARD_PROTECTED, GUARD_REL, GUARD_SYSTEM_DIRS, GUARD_SYSTEM_VAR, GUARD_TARGET, guardRunning, parseGuard, type GuardAnswer, type NewDataDirFacts } from '../../data-dir-guard'
import { mariaError } from '../errors'
import type { Command, MariaNode } from '../node'

export { parseGuard, protectedDirs, type GuardAnswer } from '../../data-dir-guard'

// Running servers: mariadbd (or mysqld, its older name) processes.
const RUNNING = guardRunning('    case $rd_n in mariadbd|mysqld) ;; *) continue ;; esac')

/**
 * `rd_guard MODE TARGET ALLOW PROTECTED`: MODE check (prints facts and size), check-own (the
 * same, but a server running on TARGET itself, the member's own that the operation stops
 * first, is only reported) or step; ALLOW `any` (whatever is there may go) or `none` (only a
 * missing or empty dir); PROTECTED: other members' datadirs on this host, one per line.
 * Prints `refuse KIND PATH` and returns 4 on a hard refusal; 5 when the content is not empty and
 * ALLOW is none; 0 otherwise. Paths are compared resolved (readlink -m), servers found by their
 * working directory (mariadbd chdirs to its datadir) in this mount namespace. Run as root it
 * sees every server; as mysql, the servers of mysql (the only user servers run as).
 */
export const GUARD_FN = String.raw`${GUARD_REL}
rd_guard() {
  rd_mode=$1 rd_t=$2 rd_allow=$3 rd_prot=$4
${GUARD_TARGET}
  case $rd_r in
    /var/lib/mysql) ;;
${GUARD_SYSTEM_DIRS}
    /var/lib/replicadesk|/var/lib/replicadesk/*|/var/lib/postgresql) echo "refuse system $rd_r"; return 4 ;;
${GUARD_SYSTEM_VAR}
  esac
  # Direct children of system parents (Debian's own datadir /var/lib/mysql excepted).
  if [ "$rd_r" != /var/lib/mysql ]; then
    case ${'$'}{rd_r%/*} in /var|/var/lib|/home|/opt|/usr/local) echo "refuse system $rd_r"; return 4 ;; esac
  fi
  rd_login=${'$'}{SUDO_USER:-$(id -un)}
  for rd_h in "$(getent passwd mysql | cut -d: -f6)" "$(getent passwd "$rd_login" | cut -d: -f6)" "$HOME"; do
    case $rd_h in ''|/nonexistent) continue ;; esac
    rd_h=$(readlink -m -- "$rd_h")
    [ "$rd_h" = /var/lib/mysql ] && continue
    case $(rd_rel "$rd_r" "$rd_h") in equal|above) echo "refuse home $rd_h"; return 4 ;; esac
    case $rd_r in "$rd_h"/.*) echo "refuse home $rd_h"; return 4 ;; esac
  done
${GUARD_PROTECTED}
${RUNNING}
  rd_s=missing
  if [ -e "$rd_r" ]; then
    rd_n=$(find "$rd_r" -xdev -mindepth 2 -maxdepth 3 \( -name ibdata1 -o -name aria_log_control \) -print -quit 2>/dev/null || true)
    [ -z "$rd_n" ] || { echo "refuse nested ${'$'}{rd_n%/*}"; return 4; }
    if ! rd_l=$(find "$rd_r" -mindepth 1 -maxdepth 1 -print -quit 2>/dev/null); then rd_s=unreadable
    elif [ -z "$rd_l" ]; then rd_s=empty
    else rd_s=nonempty; fi
  fi
  if [ "$rd_mode" != step ]; then
    echo "content $rd_s"
    [ "$rd_s" = nonempty ] && echo "size $(timeout 20 du -sxh -- "$rd_r" 2>/dev/null | cut -f1)"
  fi
  case $rd_s in missing|empty) return 0 ;; esac
  [ "$rd_allow" = any ] && return 0
  echo "refuse content $rd_r"
  return 5
}`

/** The guard alone, read-only: its facts and verdict. Args: check|check-own TARGET ALLOW PROTECTED. */
const GUARD_CHECK = String.raw`${GUARD_FN}
rd_guard "$1" "$2" "$3" "$4"
echo "verdict $?"
exit 0`

/** What may go besides a missing or empty dir: anything (confirmed, or this operation's own copy), or nothing. */
export type Allow = 'any' | 'none'

/** As root (it sees every server and every dir). `own`: the target is a member's datadir whose server the operation stops before it deletes. */
export function guardCommand(n: MariaNode, target: string, allow: Allow, prot: string, own = false): Command {
  return n.root(['sh', '-c', GUARD_CHECK, 'sh', own ? 'check-own' : 'check', target, allow, prot], 'reads only: may ReplicaDesk empty or delete there?')
}

export async function checkDataDir(n: MariaNode, target: string, allow: Allow, prot: string, own = false): Promise<GuardAnswer> {
  return parseGuard((await n.run(guardCommand(n, target, allow, prot, own), { timeoutMs: 60_000 })).stdout)
}

/** Why a hard refusal, in words. */
function reason(kind: string, path: string): string {
  const words: Record<string, string> = {
    relative: 'it is not an absolute path',
    symlink: 'it is a symbolic link (ReplicaDesk writes and deletes only in a plain directory, never through a link)',
    notdir: 'it exists and is not a directory',
    unresolvable: 'the host cannot resolve the path (ReplicaDesk needs GNU readlink -m there)',
    system: `${path} is a system directory or a direct child of one`,
    home: `it is, contains or lies in the hidden files of the home directory ${path}`,
    'member-equal': `it is the datadir of another member on this host (${path})`,
    'member-above': `it contains the datadir of another member on this host (${path})`,
    'member-below': `it lies inside the datadir of another member on this host (${path})`,
    'running-equal': `a MariaDB server runs on it (${path})`,
    'running-above': `it contains the datadir of a running MariaDB server (${path})`,
    'running-below': `it lies inside the datadir of a running MariaDB server (${path})`,
    nested: `it contains another MariaDB datadir (${path})`,
  }
  return words[kind] ?? `${kind} ${path}`.trim()
}

/** The refusal of a hard rule: no flag lifts it. `member`: the target is an existing member's (remove --delete-data). */
export function guardRefusal(host: string, target: string, r: { kind: string; path: string }, action: string, member = false): AppError {
  const todo = member
    ? `Move what is in the way out of ${target} (or correct the member's datadir in the cluster record), then run it again; or delete by hand only what you know is not needed.`
    : 'Pick a datadir of its own for this member (a new or empty directory such as /srv/mariadb/<name>).'
  return mariaError('preflight_failed', `ReplicaDesk will not ${action} ${target} on ${host}: ${reason(r.kind, r.path)}. Nothing was deleted. ${todo}`, { host, path: target, check: 'data_dir_guard', guard: r.kind, guardPath: r.path })
}

/** A step script that ran the guard failed: its refusal (exit 4, or 5 for content) as the pre-flight's message; any other failure unchanged. */
export function explainGuardFailure(err: unknown, host: string, target: string, action: string, member = false): unknown {
  return explainGuardExit(
    err,
    (r) => guardRefusal(host, target, r, action, member),
    () => mariaError('preflight_failed', `ReplicaDesk will not ${action} ${target} on ${host}: it is not empty now (it changed since the pre-flight) and it is not this operation's own copy. Nothing was deleted. Look at what is there; move it away, or confirm its deletion explicitly (replica add: --overwrite --overwrite-unrelated).`, { host, path: target, check: 'data_dir_guard', guard: 'content' }),
  )
}

/** `overwrite`: the user confirmed twice (--overwrite --overwrite-unrelated) that whatever is there may go. */
export type NewDataDirJudgement = NewDataDirFacts

/**
 * The pre-flight's verdict on a new member's datadir: hard refusals first (no flag lifts them);
 * a server running on it that is not this operation's own; a non-empty dir not this
 * operation's own needs both
 * confirmations (MariaDB datadirs carry no cluster identity that could prove a stale copy).
 */
export function judgeNewDataDir(j: NewDataDirJudgement): void {
  const { host, target, answer: a } = j
  if (a.verdict === 4 && a.refusal) throw guardRefusal(host, target, a.refusal, j.overwrite ? 'empty' : 'use')
  if (a.verdict < 0) throw mariaError('preflight_failed', `ReplicaDesk could not check ${target} on ${host} (the guard gave no verdict), so it touches nothing there. Check that sudo -n works there and that sh, find and readlink exist, then try again.`, { host, path: target, check: 'data_dir_guard' })
  // check-own (a resume): the server on the datadir is the operation's own only when the datadir is.
  if (a.ownRunning && !j.ours) throw guardRefusal(host, target, { kind: 'running-equal', path: a.ownRunning }, 'use')
  if (j.ours || a.content !== 'nonempty' || j.overwrite) return
  throw mariaError('preflight_failed', `The datadir ${target} on ${host} is not empty (${a.size ? `${a.size} on disk` : 'size unknown'}). Pick an empty or new directory for ${j.member}, or, if everything in it may go, run again with --overwrite --overwrite-unrelated.`, { host, path: target, check: 'data_dir', size: a.size })
}
