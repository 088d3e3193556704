// What every engine's data-dir guard (postgres/data-dir-guard.ts, mariadb/add-replica/
// data-dir-guard.ts) shares: the shell pieces of its rd_guard that know no database (the path
// checks, the system dirs, the other members' dirs, the walk over running servers), the parsing
// of its answer, the PROTECTED list, and turning a step's exit 4/5 into the pre-flight's message.
// What a data dir is, which server runs on it, whose home and which of its own dirs the engine
// keeps away from, and what may go, stay in each engine's guard.
import { z } from 'zod'
import { AppError } from '../../../shared/errors'

/** `rd_rel A B`: equal, above (A contains B) or below (A lies inside B); nothing when apart. */
export const GUARD_REL = String.raw`rd_rel() {
  if [ "$1" = "$2" ]; then echo equal; elif case $2 in "$1"/*) true ;; *) false ;; esac; then echo above
  elif case $1 in "$2"/*) true ;; *) false ;; esac; then echo below; fi
}`

/** rd_guard's first rules on TARGET ($rd_t): absolute, no link, a dir; then resolved into $rd_r. */
export const GUARD_TARGET = String.raw`  case $rd_t in /*) ;; *) echo "refuse relative $rd_t"; return 4 ;; esac
  if [ -L "$rd_t" ]; then echo "refuse symlink $rd_t"; return 4; fi
  if [ -e "$rd_t" ] && [ ! -d "$rd_t" ]; then echo "refuse notdir $rd_t"; return 4; fi
  rd_r=$(readlink -m -- "$rd_t" 2>/dev/null)
  [ -n "$rd_r" ] || { echo "refuse unresolvable $rd_t"; return 4; }
  case $rd_mode in check*) echo "resolved $rd_r" ;; esac`

/** Branches of rd_guard's `case $rd_r in`: system dirs and what lies in them (an engine adds its own). */
export const GUARD_SYSTEM_DIRS = String.raw`    /|/bin|/boot|/dev|/etc|/home|/lib|/lib32|/lib64|/libx32|/media|/mnt|/opt|/proc|/root|/run|/sbin|/snap|/srv|/sys|/tmp|/usr|/var|/lost+found) echo "refuse system $rd_r"; return 4 ;;
    /bin/*|/boot/*|/dev/*|/etc/*|/lib/*|/lib32/*|/lib64/*|/libx32/*|/proc/*|/run/*|/sbin/*|/snap/*|/sys/*) echo "refuse system $rd_r"; return 4 ;;
    /usr/local/*/*) ;;
    /usr/*) echo "refuse system $rd_r"; return 4 ;;`

/** The same `case`'s branch for what the system keeps under /var. */
export const GUARD_SYSTEM_VAR = String.raw`    /var/log/*|/var/cache/*|/var/spool/*|/var/mail/*|/var/run/*|/var/lock/*|/var/backups/*) echo "refuse system $rd_r"; return 4 ;;`

/** rd_guard's rule on PROTECTED ($rd_prot, one dir a line): never at, above or below another member's dir. */
export const GUARD_PROTECTED = String.raw`  while IFS= read -r rd_p; do
    [ -n "$rd_p" ] || continue
    rd_k=$(rd_rel "$rd_r" "$(readlink -m -- "$rd_p")")
    [ -z "$rd_k" ] || { echo "refuse member-$rd_k $rd_p"; return 4; }
  done <<RD_EOF
$rd_prot
RD_EOF`

/**
 * rd_guard's rule on running servers: every process of this mount namespace that `match` (one
 * shell line reading the command name $rd_n, `continue` for others) keeps, found by its working
 * directory (servers chdir to their data dir); never at, above or below one, except the member's
 * own in mode check-own (reported as running-own). `note`: a comment line the engine's script
 * carries before that exception.
 */
export const guardRunning = (match: string, note = '') => String.raw`  rd_ns=$(readlink /proc/self/ns/mnt) rd_seen=
  for rd_c in /proc/[0-9]*/comm; do
    { read -r rd_n < "$rd_c"; } 2>/dev/null || continue
${match}
    rd_d=${'$'}{rd_c%/comm}
    [ "$(readlink "$rd_d/ns/mnt" 2>/dev/null)" = "$rd_ns" ] || continue
    rd_w=$(readlink "$rd_d/cwd" 2>/dev/null) || continue
    case $rd_seen in *"|$rd_w|"*) continue ;; esac
    rd_seen="$rd_seen|$rd_w|"
    rd_k=$(rd_rel "$rd_r" "$rd_w")
${note ? `${note}\n` : ''}    [ "$rd_k$rd_mode" = equalcheck-own ] && { echo "running-own $rd_w"; continue; }
    [ -z "$rd_k" ] || { echo "refuse running-$rd_k $rd_w"; return 4; }
  done`

/** A data dir some cluster record knows, for the guard's PROTECTED list. */
export const knownDataDir = z.object({ host: z.string(), dataDir: z.string() })

/** Data dirs of the members of the other cluster records (the guard keeps away from those on this host). */
export const knownDataDirs = z.array(knownDataDir).default([])

interface Placed {
  name: string
  host: string
  dataDir: string
}

/**
 * The data dirs the guard keeps away from on a member's host: every other member of this
 * cluster there, and every member of the other cluster records there (same host record name),
 * newline-joined for the scripts' PROTECTED argument.
 */
export function protectedDirs(member: Placed, members: readonly Placed[], known: readonly { host: string; dataDir: string }[] = []): string {
  const dirs = [...members.filter((m) => m.name !== member.name), ...known].filter((m) => m.host === member.host).map((m) => m.dataDir)
  return [...new Set(dirs)].join('\n')
}

export interface GuardAnswer {
  resolved?: string
  refusal?: { kind: string; path: string }
  content: 'missing' | 'empty' | 'nonempty' | 'unreadable'
  /** PostgreSQL: the system identifier of the data dir found there. */
  sysid?: string
  size?: string
  /** check-own: a server runs on the target itself (the caller decides whether it is the member's own). */
  ownRunning?: string
  /** 0: may go; 4: never; 5: the content is not provably what was allowed. */
  verdict: number
}

/** What every engine's pre-flight judges a new member's data dir on (the engine adds what proves a stale copy, where it can). */
export interface NewDataDirFacts {
  host: string
  target: string
  answer: GuardAnswer
  /** The data dir is claimed by this very operation (a resume): what is in it is its own. */
  ours: boolean
  /** The user confirmed that a non-empty dir may be emptied (--overwrite). */
  overwrite: boolean
  member: string
}

/** Reads the guard's lines (from a server: never trusted, never thrown on). */
export function parseGuard(out: string): GuardAnswer {
  const a: GuardAnswer = { content: 'missing', verdict: -1 }
  for (const line of out.split('\n')) {
    const sp = line.indexOf(' ')
    const tag = sp < 0 ? line : line.slice(0, sp)
    const arg = sp < 0 ? '' : line.slice(sp + 1).trim()
    if (tag === 'resolved') a.resolved = arg
    else if (tag === 'refuse' && !arg.startsWith('content ')) {
      const i = arg.indexOf(' ')
      a.refusal = { kind: i < 0 ? arg : arg.slice(0, i), path: i < 0 ? '' : arg.slice(i + 1) }
    } else if (tag === 'content') a.content = arg as GuardAnswer['content']
    else if (tag === 'sysid') a.sysid = arg
    else if (tag === 'size') a.size = arg || undefined
    else if (tag === 'running-own') a.ownRunning = arg
    else if (tag === 'verdict') a.verdict = Number(arg)
  }
  return a
}

/**
 * A step script that ran the guard failed: its refusal (exit 4) as `refusal` words it, a content
 * refusal (exit 5) as `content()`; any other failure unchanged. A copy's failure (ssh/pipe.ts)
 * carries the destination's facts under `to`.
 */
export function explainGuardExit(err: unknown, refusal: (r: { kind: string; path: string }) => AppError, content: () => AppError): unknown {
  if (!(err instanceof AppError) || err.code !== 'command_failed') return err
  const d = err.detail as { exitCode?: unknown; stderrTail?: unknown; to?: { exitCode?: unknown; stderrTail?: unknown } } | undefined
  const end = d?.to ?? d
  if (end?.exitCode !== 4 && end?.exitCode !== 5) return err
  const tail = typeof end.stderrTail === 'string' ? end.stderrTail : ''
  if (end.exitCode === 5 && /^refuse content /m.test(tail)) return content()
  const r = parseGuard(tail).refusal
  return r ? refusal(r) : err
}
