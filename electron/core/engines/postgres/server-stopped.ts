// Is the PostgreSQL of a data dir running, and if not, how does its log end? One bounded
// command run as the server's user when status lost a member for a reason a stopped server
// gives too. Running means a live, non-zombie postmaster of that data dir (pm_live, the test
// every script uses). The log is the logging collector's current file (current_logfiles, else
// the newest file of log/) when there is one, else the file the member was started with
// (pg_ctl -l, Debian's /var/log/postgresql/postgresql-VER-NAME.log).
import { LIVE_POSTMASTER } from './scripts'

export { LOG_LINE_CHARS, LOG_LINES, parseServerStopped, type ServerState } from '../server-stopped'

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
