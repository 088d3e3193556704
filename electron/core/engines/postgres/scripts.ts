// The few shell scripts the engine runs on members. Each is a fixed POSIX sh text run as
//   sh -c SCRIPT sh ARG...
// so every value arrives as a positional parameter and is never parsed as shell code; data
// (file contents, secrets) comes over stdin. All run as the postgres user.
import { randomBytes } from 'node:crypto'
import { GUARD_FN } from './data-dir-guard'

/** `$HOME/.replicadesk/claims/KEY`: which operation made which data dir (see claims.ts). */
const CLAIM_DIR = '"$HOME/.replicadesk/claims"'

/**
 * Writes stdin to FILE atomically (keeping the mode of the file it replaces, else MODE), then
 * runs the remaining arguments as a command, if any (e.g. psql … pg_reload_conf()).
 * A FILE starting with ~/ is taken in the postgres user's home.
 */
export const PUT_FILE = String.raw`set -eu
f=$1 mode=$2; shift 2
case $f in '~/'*) f=$HOME/${'$'}{f#\~/} ;; esac
tmp=$f.rd-tmp.$$
umask 077
cat > "$tmp"
if [ -e "$f" ]; then chmod --reference="$f" -- "$tmp"; else chmod "$mode" -- "$tmp"; fi
mv -f -- "$tmp" "$f"
[ $# -eq 0 ] || exec "$@"`

/**
 * Prints, after a boundary line each, the host's addresses, the login user, the claim of a
 * data dir, and the given files (or that they are missing). Files starting with ~/ are in the
 * postgres user's home. Args: BOUNDARY CLAIM_KEY|- FILE...
 */
export const READ_STATE = String.raw`b=$1 key=$2; shift 2
printf '%s addrs\n%s\n' "$b" "$(hostname -I 2>/dev/null)"
printf '%s login\n%s\n' "$b" "${'$'}{SUDO_USER:-$(id -un)}"
if [ "$key" != - ] && [ -f ${CLAIM_DIR}/"$key" ]; then printf '%s claim\n' "$b"; cat ${CLAIM_DIR}/"$key"; fi
for f; do
  p=$f
  case $p in '~/'*) p=$HOME/${'$'}{p#\~/} ;; esac
  if [ -f "$p" ] && [ -r "$p" ]; then printf '%s file %s\n' "$b" "$f"; cat -- "$p"; printf '\n'
  else printf '%s missing %s\n' "$b" "$f"; fi
done
exit 0`

/**
 * `pm_live DIR`: true (exit 0) when DIR's postmaster.pid names a live postmaster of DIR, and
 * sets pm_pid. Not one: no pid file; a zombie (a killed postmaster stays one until its parent
 * reaps it, and still answers kill -0: it is a stopped server); a pid that now belongs to
 * another program (the postmaster chdirs to its data dir: /proc/PID/cwd must be DIR, compared
 * by device and inode, so a server seen through another mount namespace or a symlinked path
 * still counts). Without /proc, kill -0 is all there is. The one test every script uses
 * before it signals or waits.
 */
export const LIVE_POSTMASTER = String.raw`pm_live() {
  [ -r "$1/postmaster.pid" ] || return 1
  pm_pid=$(head -n 1 "$1/postmaster.pid" 2>/dev/null)
  case $pm_pid in ''|*[!0-9]*) return 1 ;; esac
  [ -d /proc/self ] || { kill -0 "$pm_pid" 2>/dev/null; return; }
  pm_st=$(cat "/proc/$pm_pid/stat" 2>/dev/null) || return 1
  pm_st=${'$'}{pm_st##*) }
  case $pm_st in Z*|X*|x*) return 1 ;; esac
  pm_at=$(stat -L -c %d:%i "/proc/$pm_pid/cwd" 2>/dev/null) || return 1
  [ "$pm_at" = "$(stat -L -c %d:%i "$1" 2>/dev/null)" ]
}`

/**
 * What a new member's host offers before anything is made there. Args: DATADIR PORT SOCKDIR
 * BINDIR LOGFILE CONFDIR|- CLAIM_KEY [ADDRESS PORT]... (the members to reach). One fact per line.
 */
export const PROBE = String.raw`set -u
datadir=$1 port=$2 sock=$3 bindir=$4 logfile=$5 confdir=$6 key=$7; shift 7
# Reachability first, in the background (lines are short: they never interleave mid-line).
while [ $# -ge 2 ]; do
  ( if timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null; then echo "reach $1 $2 open"; else echo "reach $1 $2 closed"; fi ) &
  shift 2
done
user=$(id -un)
echo "login ${'$'}{SUDO_USER:-$user}"
echo "user $user"
echo "addrs $(hostname -I 2>/dev/null)"
pathbin=/nonexistent
p=$(command -v postgres 2>/dev/null) && p=$(readlink -f "$p") && pathbin=${'$'}{p%/*}
seen=' '
for d in "$bindir" /usr/lib/postgresql/*/bin /usr/pgsql-*/bin "$pathbin"; do
  case $seen in *" $d "*) continue ;; esac
  seen="$seen$d "
  [ -x "$d/postgres" ] || continue
  echo "bin $d $("$d/postgres" --version 2>/dev/null)"
done
if [ ! -e "$datadir" ]; then echo "datadir missing"
elif [ ! -d "$datadir" ]; then echo "datadir notdir"
elif ! list=$(ls -A "$datadir" 2>/dev/null); then echo "datadir unreadable $(stat -c %U "$datadir")"
elif [ -z "$list" ]; then echo "datadir empty $(stat -c %U "$datadir")"
else echo "datadir nonempty $(stat -c %U "$datadir")"; fi
${LIVE_POSTMASTER}
pm_live "$datadir" && echo "running $pm_pid"
a=$datadir
while [ ! -e "$a" ]; do a=${'$'}{a%/*}; a=${'$'}{a:-/}; done
w=no; [ -w "$a" ] && w=yes
echo "space $(stat -f -c '%a %S' "$a") $w $a"
[ -e "$sock/.s.PGSQL.$port" ] && echo "socket $sock/.s.PGSQL.$port"
hex=$(printf '%04X' "$port")
awk -v p=":$hex" 'FNR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { print "listening " FILENAME; exit }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
set -- /etc/postgresql/*/*/postgresql.conf
[ -r "$1" ] && awk -v p="$port" '/^[ \t]*port[ \t]*=/ { v = $0; sub(/^[^=]*=[ \t]*/, "", v); sub(/[ \t#].*$/, "", v); if (v == p) { n = split(FILENAME, a, "/"); print "cluster-port " a[n - 2] "/" a[n - 1] } }' "$@"
if [ "$confdir" != - ] && [ -e "$confdir" ]; then echo "confdir exists"; fi
if [ "$logfile" != - ]; then
  l=${'$'}{logfile%/*}
  if [ -w "$logfile" ] || { [ ! -e "$logfile" ] && [ -w "$l" ]; }; then echo "log writable"; else echo "log unwritable"; fi
fi
if [ -f ${CLAIM_DIR}/"$key" ]; then echo "claim $(tr '\n' ' ' < ${CLAIM_DIR}/"$key")"; fi
wait
exit 0`

/**
 * Claims a data dir for an operation (first time only: a resumed operation keeps its claim),
 * then creates the dir when the postgres user can. Args: CLAIM_KEY OPERATION MEMBER DATADIR
 * MKDIR(yes|no). Fails (exit 3) when another operation holds the claim.
 */
export const CLAIM = String.raw`set -eu
key=$1 op=$2 member=$3 datadir=$4 mk=$5
dir=${CLAIM_DIR}
mkdir -p -m 700 "$dir"
claim=$dir/$key
if [ -f "$claim" ]; then
  grep -qx "operation=$op" "$claim" || { echo "$datadir is claimed by another ReplicaDesk operation ($(grep '^operation=' "$claim"))" >&2; exit 3; }
else
  made=no; [ -e "$datadir" ] || made=yes
  printf 'operation=%s\nmember=%s\ndatadir=%s\nmade=%s\n' "$op" "$member" "$datadir" "$made" > "$claim.tmp"
  mv -f "$claim.tmp" "$claim"
fi
if [ "$mk" = yes ]; then mkdir -p "$datadir"; chmod 700 "$datadir"; fi`

/**
 * Runs the remaining arguments (pg_basebackup, initdb, pg_createcluster) after checking that
 * this operation claimed DATADIR, that the data-dir guard lets it go (data-dir-guard.ts: ALLOW
 * is what the user confirmed; the operation's own copy, `made=yes` or `filling=yes` in the
 * claim, is its own), and emptying it. Exit 3: not claimed; 4/5: the guard refused.
 * Args: CLAIM_KEY OPERATION DATADIR PG_CONTROLDATA ALLOW PROTECTED COMMAND...
 */
export const CLAIMED_FRESH = String.raw`set -eu
key=$1 op=$2 datadir=$3 controldata=$4 allow=$5 prot=$6; shift 6
claim=${CLAIM_DIR}/$key
grep -qx "operation=$op" "$claim" 2>/dev/null || { echo "ReplicaDesk: $datadir is not claimed by operation $op; not touching it" >&2; exit 3; }
${GUARD_FN}
if grep -qx -e 'made=yes' -e 'filling=yes' "$claim"; then allow=any; fi
rd_guard step "$datadir" "$controldata" "$allow" "$prot" >&2 || exit $?
grep -qx 'filling=yes' "$claim" || printf 'filling=yes\n' >> "$claim"
if [ -d "$datadir" ]; then find "$datadir" -xdev -mindepth 1 -delete; fi
exec "$@"`

/**
 * Undoes a claim: removes the data dir if the operation made it, empties it if the operation
 * began filling it (else leaves what was there), always through the data-dir guard; then the
 * claim. Args: CLAIM_KEY OPERATION DATADIR PROTECTED. Does nothing when the claim is not this
 * operation's. Exit 4: the guard refused.
 */
export const UNCLAIM = String.raw`set -eu
key=$1 op=$2 datadir=$3 prot=$4
claim=${CLAIM_DIR}/$key
[ -f "$claim" ] || exit 0
grep -qx "operation=$op" "$claim" || exit 0
${GUARD_FN}
if { [ -e "$datadir" ] || [ -L "$datadir" ]; } && grep -qx -e 'made=yes' -e 'filling=yes' "$claim"; then
  rd_guard step "$datadir" - any "$prot" >&2 || exit $?
  if grep -qx 'made=yes' "$claim" && rmdir "$datadir" 2>/dev/null; then :
  elif grep -qx 'made=yes' "$claim" && rm -rf --one-file-system -- "$datadir" 2>/dev/null && [ ! -e "$datadir" ]; then :
  else find "$datadir" -xdev -mindepth 1 -delete; fi
fi
rm -f -- "$claim"`

/**
 * A standby's own settings: drops KEYS (space separated, lower case) from
 * postgresql.auto.conf, appends stdin, creates standby.signal, then runs the remaining
 * arguments (the start command). Args: DATADIR KEYS COMMAND...
 */
export const CONFIGURE_STANDBY = String.raw`set -eu
datadir=$1 keys=$2; shift 2
f=$datadir/postgresql.auto.conf
tmp=$f.rd-tmp
{
  if [ -f "$f" ]; then
    awk -v keys=" $keys " '{ k = $0; sub(/^[ \t]+/, "", k); sub(/[ \t]*=.*$/, "", k); if (index(keys, " " tolower(k) " ") == 0) print }' "$f"
  fi
  cat
} > "$tmp"
chmod 600 "$tmp"
mv -f "$tmp" "$f"
: > "$datadir/standby.signal"
[ $# -eq 0 ] || exec "$@"`


/**
 * Starts a plain data dir and waits until it accepts connections: pg_ctl -W (no wait), then
 * the status line of postmaster.pid ("ready" / "standby") polled every 10 ms, where pg_ctl -w
 * polls every 100 ms. Fails with the log's last lines when the postmaster dies or never writes
 * its pid file. Args: PG_CTL DATADIR LOGFILE TIMEOUT_S.
 */
export const START_PLAIN = String.raw`set -u
pgctl=$1 d=$2 log=$3 limit=$4
${LIVE_POSTMASTER}
# A fenced data dir starts only as a standby (rejoin lifts the fence).
key=$(printf %s "$d" | sha256sum | cut -c1-24)
if [ -e "$HOME/.replicadesk/fences/$key" ] && [ ! -e "$d/standby.signal" ]; then
  echo "$d is fenced by ReplicaDesk and has no standby.signal: it must not start as a primary. Rejoin it." >&2; exit 3
fi
"$pgctl" -D "$d" -l "$log" -W start >/dev/null || exit $?
fail() { echo "$1" >&2; tail -n 5 "$log" >&2 2>/dev/null; exit 1; }
start=$(date +%s)
while :; do
  now=$(date +%s)
  if [ -r "$d/postmaster.pid" ]; then
    pid=$(sed -n 1p "$d/postmaster.pid")
    case $(sed -n 8p "$d/postmaster.pid") in ready*|standby*) exit 0 ;; esac
    # An empty first line: the postmaster has made the file but not written it yet.
    [ -z "$pid" ] || pm_live "$d" || fail "the server stopped while starting:"
  elif [ $((now - start)) -ge 10 ]; then
    fail "the server did not start (no postmaster.pid after 10 s):"
  fi
  [ $((now - start)) -ge "$limit" ] && fail "the server was not ready within $limit s:"
  sleep 0.01
done`

/** Prints `running` when a postmaster runs on DATADIR. Args: DATADIR. */
export const RUNNING = String.raw`d=$1
${LIVE_POSTMASTER}
if pm_live "$d"; then echo running; else echo stopped; fi
exit 0`

/**
 * Stops a pg_basebackup left writing into DATADIR by a ReplicaDesk that died: its SSH channel
 * is gone, but it goes on copying until it next writes to the closed pipe. Args: DATADIR.
 */
export const STOP_ORPHAN_COPY = String.raw`d=$1
for p in $(pgrep -x pg_basebackup); do
  if tr '\0' '\n' < "/proc/$p/cmdline" 2>/dev/null | grep -qxF -- "$d"; then kill "$p" 2>/dev/null; fi
done
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  found=
  for p in $(pgrep -x pg_basebackup); do tr '\0' '\n' < "/proc/$p/cmdline" 2>/dev/null | grep -qxF -- "$d" && found=1; done
  [ -z "$found" ] && exit 0
  sleep 0.25
done
exit 0`

/** Prints facts of a data dir made by a base backup. Args: CLAIM_KEY DATADIR. */
export const BACKUP_STATE = String.raw`key=$1 d=$2
if [ -f ${CLAIM_DIR}/"$key" ]; then echo "claim $(tr '\n' ' ' < ${CLAIM_DIR}/"$key")"; fi
[ -f "$d/backup_manifest" ] && echo manifest
[ -f "$d/PG_VERSION" ] && echo pgversion
[ -f "$d/standby.signal" ] && echo standby
exit 0`

export const boundary = () => `@@rd-${randomBytes(6).toString('hex')}@@`

/** Splits READ_STATE output into its sections. */
export function parseState(out: string, b: string): { addrs: string; login: string; claim?: string; files: Map<string, string | undefined> } {
  const files = new Map<string, string | undefined>()
  let addrs = ''
  let login = ''
  let claim: string | undefined
  const sections = out.split(`${b} `).slice(1)
  for (const sec of sections) {
    const nl = sec.indexOf('\n')
    const head = nl < 0 ? sec : sec.slice(0, nl)
    const body = nl < 0 ? '' : sec.slice(nl + 1)
    if (head === 'addrs') addrs = body.trim()
    else if (head === 'login') login = body.trim()
    else if (head === 'claim') claim = body
    else if (head.startsWith('file ')) files.set(head.slice(5), body.endsWith('\n') ? body.slice(0, -1) : body)
    else if (head.startsWith('missing ')) files.set(head.slice(8), undefined)
  }
  return { addrs, login, claim, files }
}

/**
 * Stops a postmaster fast (SIGINT: clients cut off, a shutdown checkpoint, WAL sent to the
 * standbys that are connected) and waits for its pid file to go, polling every 10 ms where
 * pg_ctl -w polls every 100 ms. Then prints the control file's state and last checkpoint:
 * a switchover waits until the new primary has replayed it. Args: DATADIR PG_CONTROLDATA LIMIT_S.
 */
export const STOP_FAST = String.raw`set -u
d=$1 controldata=$2 limit=$3
${LIVE_POSTMASTER}
# Only a live postmaster of this data dir is signalled and waited on (a zombie is stopped).
if pm_live "$d" && kill -INT "$pm_pid" 2>/dev/null; then
  start=$(date +%s)
  while pm_live "$d"; do
    [ $(($(date +%s) - start)) -ge "$limit" ] && { echo "the server did not stop within $limit s" >&2; exit 1; }
    sleep 0.01
  done
fi
LC_ALL=C "$controldata" -D "$d" | sed -n -e 's/^Database cluster state: *//p' -e 's/^Latest checkpoint location: *//p' -e "s/^Latest checkpoint's TimeLineID: *//p"`

/** The fence marker of a data dir, outside it (pg_rewind would delete a file inside). */
const FENCE_FILE = '"$HOME/.replicadesk/fences/$key"'

/**
 * Keeps a stopped member from coming back as a primary: standby.signal in its data dir (a
 * reboot or a hand-started pg_ctl brings it up as a standby), the Debian start.conf set to
 * disabled (its old value kept beside the marker), and the marker ReplicaDesk's own start
 * honours. Args: DATADIR KEY START_CONF|- REASON.
 */
export const FENCE = String.raw`set -eu
d=$1 key=$2 startconf=$3 reason=$4
mkdir -p "$HOME/.replicadesk/fences"
printf '%s\n' "$reason" > ${FENCE_FILE}
[ -d "$d" ] && : > "$d/standby.signal"
if [ "$startconf" != - ] && [ -f "$startconf" ]; then
  [ -f ${FENCE_FILE}.startconf ] || grep -v '^\s*#' "$startconf" | grep -v '^\s*$' | head -n 1 > ${FENCE_FILE}.startconf || true
  tmp=$startconf.rd-tmp
  printf '%s\n' '# fenced by ReplicaDesk: comes back through "replicadesk rejoin"' disabled > "$tmp"
  mv -f "$tmp" "$startconf"
fi`

/** Lifts a fence (the end of a rejoin). Args: KEY START_CONF|-. */
export const UNFENCE = String.raw`set -eu
key=$1 startconf=$2
if [ "$startconf" != - ] && [ -f "$startconf" ] && grep -q '^disabled' "$startconf"; then
  old=$(cat ${FENCE_FILE}.startconf 2>/dev/null || true)
  [ -n "$old" ] || old=auto
  printf '%s\n' "$old" > "$startconf.rd-tmp"
  mv -f "$startconf.rd-tmp" "$startconf"
fi
rm -f ${FENCE_FILE} ${FENCE_FILE}.startconf`

/** Prints `fenced` when the data dir's fence marker exists. Args: KEY. */
export const FENCED = String.raw`key=$1
[ -e ${FENCE_FILE} ] && echo fenced
exit 0`
