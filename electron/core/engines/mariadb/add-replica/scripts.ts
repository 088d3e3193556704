// The shell scripts of adding (and removing) a replica. Each is a fixed POSIX sh text run as
//   sh -c SCRIPT sh ARG...
// so every value arrives as a positional parameter, never parsed as shell code; the password
// never leaves the host (REPLICATE_SQL reads it there). Each says who runs it.
// Claims (/etc/mysql/replicadesk/claims/KEY, root's, readable by all) record which operation
// made a datadir: a resume goes on with its own half-made copy, an abandon empties or removes
// only what its operation made. KEY.copied holds the id of the operation whose copy finished.
import { GUARD_FN } from './data-dir-guard'

export const CLAIM_DIR = '/etc/mysql/replicadesk/claims'

/** `rd_own KEY OPID`: true when the claim of KEY names operation OPID. */
const OWN_FN = String.raw`rd_own() { [ -f "${CLAIM_DIR}/$1" ] && grep -qx "operation=$2" "${CLAIM_DIR}/$1"; }`

/**
 * As root: claims DATADIR for the operation (unless it holds the claim already) after the guard
 * (ALLOW: none, or any when the user confirmed), then makes it mysql's (0750) when missing.
 * Args: KEY OPID MEMBER DATADIR ALLOW PROTECTED.
 */
export const CLAIM = String.raw`set -eu
key=$1 op=$2 member=$3 d=$4 allow=$5 prot=$6
${GUARD_FN}
${OWN_FN}
if ! rd_own "$key" "$op"; then
  rd_guard step "$d" "$allow" "$prot" >&2 || exit $?
  made=no; [ -e "$d" ] || made=yes
  install -d -o root -g root -m 755 -- "${CLAIM_DIR}"
  rm -f -- "${CLAIM_DIR}/$key.copied"
  printf 'operation=%s\nmember=%s\ndatadir=%s\nmade=%s\n' "$op" "$member" "$d" "$made" > "${CLAIM_DIR}/$key.tmp"
  mv -f -- "${CLAIM_DIR}/$key.tmp" "${CLAIM_DIR}/$key"
fi
[ -d "$d" ] || install -d -o mysql -g mysql -m 750 -- "$d"`

/**
 * As root: undoes a claim of this operation: the datadir emptied (or removed when the operation
 * made it) behind the guard (a running server on it is refused), the claim gone. Nothing when
 * the claim is another operation's. Args: KEY OPID DATADIR PROTECTED.
 */
export const RELEASE = String.raw`set -eu
key=$1 op=$2 d=$3 prot=$4
${GUARD_FN}
${OWN_FN}
rd_own "$key" "$op" || { echo "not ours"; exit 0; }
if [ -e "$d" ] || [ -L "$d" ]; then
  rd_guard step "$d" any "$prot" >&2 || exit $?
  if grep -qx made=yes "${CLAIM_DIR}/$key"; then rm -rf --one-file-system -- "$d"
  else find "$d" -xdev -mindepth 1 -delete; fi
fi
rm -f -- "${CLAIM_DIR}/$key" "${CLAIM_DIR}/$key.copied"
echo released`

/**
 * As mysql, the receiving end of the copy: only into a datadir this operation claimed, behind
 * the guard (allowed to go: the operation's own half-made copy), emptied, then mbstream
 * unpacks stdin into it. Exit 5: not claimed by this operation. Args: KEY OPID DATADIR PROTECTED.
 */
export const RECEIVE = String.raw`set -eu
key=$1 op=$2 d=$3 prot=$4
${GUARD_FN}
${OWN_FN}
rd_own "$key" "$op" || { echo "refuse content $d" >&2; exit 5; }
rd_guard step "$d" any "$prot" >&2 || exit $?
find "$d" -xdev -mindepth 1 -delete
exec mbstream -x -C "$d"`

/** As root: the copy finished (KEY.copied = OPID), or is no longer (-). Args: KEY OPID|-. */
export const MARK_COPIED = String.raw`set -eu
if [ "$2" = - ]; then rm -f -- "${CLAIM_DIR}/$1.copied"; else printf '%s\n' "$2" > "${CLAIM_DIR}/$1.copied"; fi`

/**
 * As root: what the new member's datadir holds now, one fact per line: `dir` (it exists), `claim` + the claim,
 * `copied OPID`, `backup TYPE` (xtrabackup_checkpoints: full-backuped after the copy,
 * log-applied after --prepare), `gtid POS` (the position the backup recorded). Args: KEY DATADIR.
 */
export const COPY_STATE = String.raw`key=$1 d=$2
[ -d "$d" ] && echo dir
if [ -f "${CLAIM_DIR}/$key" ]; then echo claim; sed 's/^/  /' "${CLAIM_DIR}/$key"; fi
[ -f "${CLAIM_DIR}/$key.copied" ] && echo "copied $(head -n 1 "${CLAIM_DIR}/$key.copied")"
[ -f "$d/xtrabackup_checkpoints" ] && echo "backup $(sed -n 's/^backup_type *= *//p' "$d/xtrabackup_checkpoints")"
for f in "$d/mariadb_backup_binlog_info" "$d/xtrabackup_binlog_info"; do
  [ -f "$f" ] || continue
  echo "gtid $(awk -F '\t' 'NF >= 3 { print $3; exit }' "$f")"
  break
done
exit 0`

/**
 * As root: stops what a ReplicaDesk that died left running of this copy: PROGRAM processes
 * with ARG among their arguments (mbstream -C DATADIR on the replica, mariadb-backup
 * --target-dir=… on the primary) of this mount namespace (a container sharing the pid namespace
 * is not this host), then waits until they are gone (bounded). Args: PROGRAM ARG.
 */
export const STOP_ORPHANS = String.raw`prog=$1 arg=$2
pids= ns=$(readlink /proc/self/ns/mnt)
for c in /proc/[0-9]*/cmdline; do
  p=${'$'}{c%/cmdline}; p=${'$'}{p#/proc/}
  [ "$p" = $$ ] && continue
  [ "$(readlink "/proc/$p/ns/mnt" 2>/dev/null)" = "$ns" ] || continue
  first=$(tr '\0' '\n' < "$c" 2>/dev/null | head -n 1)
  [ "${'$'}{first##*/}" = "$prog" ] || continue
  tr '\0' '\n' < "$c" 2>/dev/null | grep -qxF -- "$arg" && pids="$pids $p"
done
[ -n "$pids" ] || exit 0
kill -TERM $pids 2>/dev/null
for i in $(seq 50); do
  alive=
  for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
  [ -n "$alive" ] || { echo "stopped$pids"; exit 0; }
  sleep 0.1
done
kill -KILL $alive 2>/dev/null
echo "killed$alive"`

/**
 * As mysql on the primary: what a copy of DATADIR moves, estimated: the bytes of its files
 * without the binary and relay logs, the redo log (mariadb-backup copies only its tail) and the
 * server's temporary tablespace, pid file and error log. Args: DATADIR.
 */
export const COPY_SIZE = String.raw`find "$1" -xdev -type f ! -name 'binlog.*' ! -name 'relay-bin*' ! -name 'ib_logfile*' ! -name 'ibtmp*' ! -name '*.pid' ! -name '*.err' -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'`

/**
 * What the new member's host offers, one fact per line. Args: DATADIR PORT ADDRESS PORT (the
 * primary, to reach). As root: df of the datadir's nearest existing parent, the port's
 * listener (/proc/net/tcp), the tools and the server's version, the primary's port from here.
 */
export const PROBE = String.raw`d=$1 port=$2 paddr=$3 pport=$4
p=$d; while [ ! -e "$p" ]; do p=${'$'}{p%/*}; [ -n "$p" ] || p=/; done
echo "free $(df -P -B1 -- "$p" 2>/dev/null | awk 'NR == 2 { print $4 }')"
hex=$(printf '%04X' "$port")
awk -v p=":$hex" 'FNR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { print "port busy"; exit }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
for t in mariadbd mariadb-backup mbstream mariadb; do
  if command -v "$t" >/dev/null 2>&1; then echo "tool $t yes"; else echo "tool $t no"; fi
done
echo "version $(mariadbd --version 2>/dev/null | sed -n 's/.*Ver \([0-9][0-9.]*\).*/\1/p')"
echo "backup $(mariadb-backup --version 2>&1 | sed -n 's/.*based on MariaDB server \([0-9][0-9.]*\).*/\1/p')"
if timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$paddr" "$pport" 2>/dev/null; then echo "reach open"; else echo "reach closed"; fi
exit 0`
