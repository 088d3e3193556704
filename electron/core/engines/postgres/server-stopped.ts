// Is the PostgreSQL of a data dir running, and if not, how does its log end? One bounded
// command run as the server's user when status lost a member for a reason a stopped server
// gives too. Running means a live, non-zombie postmaster of that data dir (pm_live, the test
// every script uses). The log is the logging collector's current file (current_logfiles, else
// the newest file of log/) when there is one, else the file the member was started with
// (pg_ctl -l, Debian's /var/log/postgresql/postgresql-VER-NAME.log).
import { LIVE_POSTMASTER } from './scripts'

/** Lines of the log shown, and characters kept of each. */
export const LOG_LINES = 5
export const LOG_LINE_CHARS = 200

/** Args: DATADIR LOGFILE|- LINES CHARS. One fact per line; `line ` lines last. */
export const SERVER_STOPPED = String.raw`dir=$1 log=$2 n=$3 w=$4
${LIVE_POSTMASTER}
# A data dir this user cannot read tells nothing (pm_live would read it as stopped).
[ -d "$dir" ] && [ -r "$dir" ] && [ -x "$dir" ] || { echo unknown; exit 0; }
if pm_live "$dir"; then echo "running $pm_pid"; exit 0; fi
echo "now $(date +%s)"
[ -f "$dir/postmaster.pid" ] && echo "pidfile left"
f=
if [ -r "$dir/current_logfiles" ]; then
  f=$(awk '$1 == "stderr" { print $2; exit }' "$dir/current_logfiles")
  [ -n "$f" ] || f=$(awk 'NR == 1 { print $2 }' "$dir/current_logfiles")
fi
[ -n "$f" ] || [ ! -d "$dir/log" ] || f=$(ls -1t -- "$dir/log" 2>/dev/null | head -n 1 | sed 's|^|log/|')
if [ -n "$f" ]; then case $f in /*) log=$f ;; *) log=$dir/$f ;; esac; fi
if [ "$log" != - ] && [ -f "$log" ] && [ -r "$log" ]; then
  echo "log $(stat -c %Y -- "$log") $log"
  tail -n "$n" -- "$log" | cut -c "1-$w" | sed 's/^/line /'
fi
exit 0`

export type ServerState =
  | { state: 'unknown' }
  | { state: 'running'; pid: number }
  | {
      state: 'stopped'
      /** postmaster.pid is still there: it crashed or was killed (a clean stop removes it). */
      crashed: boolean
      /** Seconds between the log's last write and the moment of the check (server clock). */
      logAgeS: number | null
      logFile: string | null
      lines: string[]
    }

// Passwords a statement log may hold (log_statement = ddl) never reach the screen.
const redact = (line: string) => line.replace(/(password\s*)('(?:[^']|'')*'?|\S+)/gi, '$1***')

/** Parses the script's output (from a server: never trusted, never thrown on). */
export function parseServerStopped(stdout: string): ServerState {
  let now: number | null = null
  let logAt: number | null = null
  let logFile: string | null = null
  let crashed = false
  const lines: string[] = []
  for (const raw of stdout.split('\n')) {
    const [tag = '', ...rest] = raw.split(' ')
    const value = rest.join(' ')
    if (tag === 'unknown') return { state: 'unknown' }
    if (tag === 'running') return /^\d+$/.test(value) ? { state: 'running', pid: Number(value) } : { state: 'unknown' }
    if (tag === 'now' && /^\d+$/.test(value)) now = Number(value)
    else if (tag === 'pidfile') crashed = true
    else if (tag === 'log' && /^\d+$/.test(rest[0] ?? '')) {
      logAt = Number(rest[0])
      logFile = rest.slice(1).join(' ') || null
    } else if (tag === 'line' && lines.length < LOG_LINES) lines.push(redact(value.slice(0, LOG_LINE_CHARS)))
  }
  if (now === null) return { state: 'unknown' }
  return { state: 'stopped', crashed, logAgeS: logAt === null ? null : Math.max(0, now - logAt), logFile, lines }
}
