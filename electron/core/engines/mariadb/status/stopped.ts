// The MariaDB reading of a member lost for a reason a stopped server gives too (the session
// ended, a refused or stale socket): one bounded command run as mysql on its host. A live,
// non-zombie mariadbd of the datadir (its pid file's, else any whose working directory is the
// datadir) → status's reason stands; none → "MariaDB is not running on HOST (stopped at …)",
// "crashed or was killed" when its pid file was left behind, and how its error log ends: the
// server's own @@log_error (read by the last sample), else the member's (statusMembers), else
// the unit's journal (Debian, where journalctl is there and readable).
import type { DownContext, DownReason, StatusMemberInput, StatusSsh } from '../../engine'
import { clockText, LOG_LINE_CHARS, LOG_LINES, readServerStopped, stoppedAt } from '../../server-stopped'
import { LIVE_SERVER } from '../scripts'
import type { MariaStatusMemberInput } from './members'
import { maskSecrets, type MariaSample } from '../sample'

/**
 * As mysql. Args: DATADIR PIDFILE|- LOG|- UNIT|- LINES CHARS. One fact per line, the tags of
 * parseServerStopped (unknown, running PID, now, pidfile, log MTIME FILE, line …) plus `journal UNIT`.
 */
export const MARIADB_STOPPED = String.raw`dir=$1 pidf=$2 log=$3 unit=$4 n=$5 w=$6
${LIVE_SERVER}
[ -d "$dir" ] && [ -x "$dir" ] || { echo unknown; exit 0; }
if [ "$pidf" != - ] && srv_live "$dir" "$pidf"; then echo "running $srv_pid"; exit 0; fi
# Without its pid file: any live mariadbd whose working directory is this datadir.
want=$(stat -L -c %d:%i "$dir")
for p in /proc/[0-9]*; do
  { read -r c < "$p/comm"; } 2>/dev/null || continue
  case $c in mariadbd|mysqld) ;; *) continue ;; esac
  st=$(cat "$p/stat" 2>/dev/null) || continue
  st=${'$'}{st##*) }
  case $st in Z*|X*|x*) continue ;; esac
  [ "$(stat -L -c %d:%i "$p/cwd" 2>/dev/null)" = "$want" ] && { echo "running ${'$'}{p#/proc/}"; exit 0; }
done
echo "now $(date +%s)"
[ "$pidf" != - ] && [ -f "$pidf" ] && echo "pidfile left"
case $log in /*|-) ;; *) log=$dir/$log ;; esac
if [ "$log" != - ] && [ -f "$log" ] && [ -r "$log" ]; then
  echo "log $(stat -c %Y -- "$log") $log"
  tail -n "$n" -- "$log" | cut -c "1-$w" | sed 's/^/line /'
elif [ "$unit" != - ] && command -v journalctl >/dev/null 2>&1; then
  echo "journal $unit"
  journalctl -q --no-pager -u "$unit" -n "$n" -o cat 2>/dev/null | cut -c "1-$w" | sed 's/^/line /'
fi
exit 0`

/** The files to look at: what the server itself said last (its variables), else the record's. */
export function stoppedArgs(m: MariaStatusMemberInput, c: Pick<DownContext<MariaSample>, 'dataDir' | 'last'>) {
  const dataDir = c.dataDir ?? m.dataDir ?? c.last?.dataDir ?? undefined
  return {
    dataDir,
    pidFile: c.last?.pidFile ?? m.pidFile ?? '-',
    log: c.last?.errorLog ?? m.logFile ?? '-',
    unit: m.unit ?? '-',
  }
}

export async function explainMariaDown(ssh: StatusSsh, member: StatusMemberInput, c: DownContext<MariaSample>): Promise<DownReason | null> {
  const m = member as MariaStatusMemberInput
  const a = stoppedArgs(m, c)
  if (!a.dataDir) return null
  const read = await readServerStopped(ssh, m, ['sh', '-c', MARIADB_STOPPED, 'sh', a.dataDir, a.pidFile, a.log, a.unit, String(LOG_LINES), String(LOG_LINE_CHARS)], c.timeoutMs)
  if (!read) return null // could not look: status's own reason stands
  const { state: s, out } = read
  if (s.state !== 'stopped') return null
  // A killed mariadbd logs nothing on its way out: its log's last write is older than the stop.
  const at = clockText(stoppedAt(c.since, s.crashed ? null : s.logAgeS, c.last))
  const how = s.crashed ? ' It crashed or was killed (its pid file was left behind); start it again, or fail over if it was the primary.' : ''
  const journal = /^journal (\S+)$/m.exec(out)?.[1]
  const file = s.logFile ?? (journal && s.lines.length ? `journalctl -u ${journal}` : null)
  return {
    code: 'not_running',
    reason: `${m.name} on ${m.host}: MariaDB is not running on ${m.host} (stopped at ${at}).${how}`,
    ...(file && { log: { file, lines: s.lines.map(maskSecrets) } }),
  }
}
