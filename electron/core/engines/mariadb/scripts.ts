// The shell scripts the engine runs on members. Each is a fixed POSIX sh text run as
//   sh -c SCRIPT sh ARG...
// so every value arrives as a positional parameter and is never parsed as shell code; data
// (file contents, SQL, secrets) comes over stdin. Each says who runs it.

/**
 * `srv_live DATADIR PIDFILE`: true (exit 0) when PIDFILE names a live mariadbd of DATADIR, and
 * sets srv_pid. Not one: no pid file; a zombie (a killed server stays one until its parent
 * reaps it and still answers kill -0); a pid that now belongs to another program (its
 * /proc/PID/cmdline must name mariadbd or mysqld, and mariadbd chdirs to its datadir:
 * /proc/PID/cwd must be DATADIR, compared by device and inode). Without /proc, kill -0 is all
 * there is. The one test every script uses before it signals or waits.
 */
export const LIVE_SERVER = String.raw`srv_live() {
  [ -r "$2" ] || return 1
  srv_pid=$(head -n 1 "$2" 2>/dev/null)
  case $srv_pid in ''|*[!0-9]*) return 1 ;; esac
  [ -d /proc/self ] || { kill -0 "$srv_pid" 2>/dev/null; return; }
  srv_st=$(cat "/proc/$srv_pid/stat" 2>/dev/null) || return 1
  srv_st=${'$'}{srv_st##*) }
  case $srv_st in Z*|X*|x*) return 1 ;; esac
  srv_cmd=$(tr '\0' '\n' < "/proc/$srv_pid/cmdline" 2>/dev/null | head -n 1)
  case ${'$'}{srv_cmd##*/} in mariadbd|mysqld) ;; *) return 1 ;; esac
  srv_at=$(stat -L -c %d:%i "/proc/$srv_pid/cwd" 2>/dev/null) || return 1
  [ "$srv_at" = "$(stat -L -c %d:%i "$1" 2>/dev/null)" ]
}
srv_ping() { mariadb-admin --no-defaults --socket="$1" --connect-timeout=2 ping >/dev/null 2>&1; }`

/** As mysql. Args: DATADIR PIDFILE SOCKET. Prints "pid N|none" and "ping yes|no". */
export const SERVER_STATE = String.raw`${LIVE_SERVER}
if srv_live "$1" "$2"; then echo "pid $srv_pid"; else echo "pid none"; fi
if srv_ping "$3"; then echo "ping yes"; else echo "ping no"; fi
exit 0`

/**
 * As mysql. Waits until the server answers on SOCKET (mariadb-admin ping answers even when the
 * login is refused: the server is up), at most SECONDS; fails with the log's tail when it does
 * not, or at once when the server of DATADIR is gone (PIDFILE, when given). Args: SOCKET
 * SECONDS DATADIR|- PIDFILE|- LOG|-.
 */
export const WAIT_READY = String.raw`${LIVE_SERVER}
sock=$1 t=$2 datadir=$3 pidf=$4 log=$5
end=$(( $(date +%s) + t )); seen=no
while :; do
  if srv_ping "$sock"; then echo ready; exit 0; fi
  if [ "$datadir" != - ] && [ -e "$pidf" ]; then seen=yes; fi
  if [ "$seen" = yes ] && ! srv_live "$datadir" "$pidf"; then echo "the server stopped while starting" >&2; break; fi
  [ "$(date +%s)" -lt "$end" ] || { echo "no answer on $sock within $t s" >&2; break; }
  sleep 0.2
done
[ "$log" != - ] && [ -r "$log" ] && tail -n 15 "$log" >&2
exit 3`

/**
 * Plain layout, as mysql: starts mariadbd on its option file in its own session (the SSH
 * channel closes at once; output appended to LOG), unless the server of DATADIR runs already,
 * then waits as WAIT_READY does. Args: OPTFILE DATADIR PIDFILE SOCKET LOG SECONDS.
 */
export const START_PLAIN = String.raw`${LIVE_SERVER}
conf=$1 datadir=$2 pidf=$3 sock=$4 log=$5 t=$6
if srv_live "$datadir" "$pidf"; then echo "running $srv_pid"
else
  cd / && setsid mariadbd --defaults-file="$conf" </dev/null >>"$log" 2>&1 &
  child=$!
fi
end=$(( $(date +%s) + t ))
while :; do
  if srv_ping "$sock"; then echo ready; exit 0; fi
  if [ -n "${'$'}{child:-}" ] && ! kill -0 "$child" 2>/dev/null; then echo "mariadbd exited while starting" >&2; break; fi
  [ "$(date +%s)" -lt "$end" ] || { echo "no answer on $sock within $t s" >&2; break; }
  sleep 0.2
done
tail -n 15 "$log" >&2
exit 3`

/**
 * Plain layout, as mysql: SIGTERM to the mariadbd of DATADIR (never another process: srv_live),
 * then waits until it is gone, at most SECONDS (exit 3: still running). Args: DATADIR PIDFILE
 * SECONDS. Prints "stopped" or "not running".
 */
export const STOP_PLAIN = String.raw`${LIVE_SERVER}
datadir=$1 pidf=$2 t=$3
srv_live "$datadir" "$pidf" || { echo "not running"; exit 0; }
pid=$srv_pid
kill -TERM "$pid" 2>/dev/null
end=$(( $(date +%s) + t ))
while srv_live "$datadir" "$pidf" && [ "$srv_pid" = "$pid" ]; do
  [ "$(date +%s)" -lt "$end" ] || { echo "mariadbd $pid of $datadir still runs after $t s" >&2; exit 3; }
  sleep 0.2
done
echo stopped`

/**
 * Debian layout, as mysql: waits until the server of DATADIR is gone (after systemctl stop),
 * at most SECONDS. Args: DATADIR PIDFILE SECONDS.
 */
export const WAIT_STOPPED = String.raw`${LIVE_SERVER}
end=$(( $(date +%s) + $3 ))
while srv_live "$1" "$2"; do
  [ "$(date +%s)" -lt "$end" ] || { echo "mariadbd $srv_pid of $1 still runs after $3 s" >&2; exit 3; }
  sleep 0.2
done
echo stopped`

/**
 * As root: writes stdin to FILE atomically with OWNER:GROUP and MODE, making its directory
 * (root's, 0755) when missing. Args: FILE OWNER GROUP MODE.
 */
export const PUT_FILE = String.raw`set -eu
f=$1 owner=$2 group=$3 mode=$4
d=${'$'}{f%/*}
[ -d "$d" ] || install -d -o root -g root -m 755 -- "$d"
tmp=$f.rd-tmp.$$
umask 077
cat > "$tmp"
chown "$owner:$group" -- "$tmp"
chmod "$mode" -- "$tmp"
mv -f -- "$tmp" "$f"`

/** As root: prints FILE after a line "file", or "missing". Args: FILE. */
export const READ_FILE = String.raw`if [ -f "$1" ]; then echo file; cat -- "$1"; else echo missing; fi
exit 0`

/** As root: the socket's directory made for mysql when missing (/run is emptied at boot). Args: DIR. */
export const SOCKET_DIR = String.raw`[ -d "$1" ] || install -d -o mysql -g mysql -m 755 -- "$1"`
