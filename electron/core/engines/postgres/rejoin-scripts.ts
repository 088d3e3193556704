// The shell scripts of a rejoin (rejoin.ts), run on the member as the postgres user like those
// of scripts.ts: fixed texts, every value a positional parameter. What a rejoin keeps outside
// the data dir lives under ~/.replicadesk/rejoin/KEY.
import { LIVE_POSTMASTER } from './scripts'
import { GUARD_FN } from './data-dir-guard'

/**
 * Where a rejoin keeps what is the member's own while its data dir is rewound or copied (its
 * postgresql.auto.conf and, for a plain data dir, its config files), and the mark of the
 * operation whose rewind or copy finished (`done`). Outside the data dir: a rebuild empties it.
 */
const REJOIN_DIR = '"$HOME/.replicadesk/rejoin/$key"'

/** True (exit 0) when a live postmaster runs on $d (see LIVE_POSTMASTER); a brace group, used as `if …; then`. */
const POSTMASTER_RUNS = String.raw`{ ${LIVE_POSTMASTER}
pm_live "$d"; }`

/**
 * What a rejoin needs to know of a member's data dir, one fact per line: running|stopped,
 * fenced, standby, saved, savedfile NAME, done OPERATION, rewinding OPERATION, startconf VALUE,
 * noconf, addrs …,
 * pgdata, and from pg_controldata: state, checksums, hints; then the saved
 * postgresql.auto.conf after a line `@@saved-auto-conf`. Args: DATADIR KEY START_CONF|-
 * PG_CONTROLDATA CONF_DIR|-.
 */
export const REJOIN_STATE = String.raw`d=$1 key=$2 startconf=$3 controldata=$4 confdir=$5
if ${POSTMASTER_RUNS}; then echo running; else echo stopped; fi
[ -e "$HOME/.replicadesk/fences/$key" ] && echo fenced
[ -e "$d/standby.signal" ] && echo standby
if [ -d ${REJOIN_DIR} ]; then
  echo saved
  for f in ${REJOIN_DIR}/*; do [ -f "$f" ] && echo "savedfile ${'$'}{f##*/}"; done
fi
[ -f ${REJOIN_DIR}/done ] && echo "done $(head -n 1 ${REJOIN_DIR}/done)"
[ -f ${REJOIN_DIR}/rewinding ] && echo "rewinding $(head -n 1 ${REJOIN_DIR}/rewinding)"
if [ "$startconf" != - ] && [ -f "$startconf" ]; then echo "startconf $(grep -v '^\s*#' "$startconf" | grep -v '^\s*$' | head -n 1)"; fi
[ "$confdir" != - ] && [ ! -d "$confdir" ] && echo noconf
echo "addrs $(hostname -I 2>/dev/null)"
if [ -f "$d/PG_VERSION" ]; then
  echo pgdata
  LC_ALL=C "$controldata" -D "$d" 2>/dev/null | sed -n -e 's/^Database cluster state: */state /p' -e 's/^Data page checksum version: */checksums /p' -e 's/^wal_log_hints setting: */hints /p'
fi
if [ -f ${REJOIN_DIR}/postgresql.auto.conf ]; then echo '@@saved-auto-conf'; cat ${REJOIN_DIR}/postgresql.auto.conf; fi
exit 0`

/**
 * Saves the member's own files from its stopped data dir, once: a second run (a resume, or a
 * rejoin after an abandoned one, when the data dir may already hold the source's copies)
 * keeps the first copy. Args: DATADIR KEY FILE...
 */
export const REJOIN_SAVE = String.raw`set -eu
d=$1 key=$2; shift 2
dir=${REJOIN_DIR}
[ -d "$dir" ] && exit 0
mkdir -p -m 700 "$HOME/.replicadesk/rejoin"
tmp=$dir.rd-tmp
rm -rf -- "$tmp"
mkdir -m 700 -- "$tmp"
for f; do
  if [ -f "$d/$f" ]; then cp -p -- "$d/$f" "$tmp/$f"; fi
done
mv -- "$tmp" "$dir"`

/**
 * Runs pg_rewind (the remaining arguments) on a stopped data dir: standby.signal lifted for
 * the run (pg_rewind refuses it) and put back when it fails; on success the operation's mark.
 * `rewinding` stays beside the saved files unless pg_rewind succeeded: the caller removes it
 * (REJOIN_REWIND_UNTOUCHED) when pg_rewind failed before it changed anything, else the data
 * dir may be half-rewound and only a rebuild helps. Exit 3: a server runs there; exit 4: a
 * pg_rewind of a ReplicaDesk that died still runs on it. Args: DATADIR KEY OPERATION COMMAND...
 */
export const REJOIN_REWIND = String.raw`set -u
d=$1 key=$2 op=$3; shift 3
if ${POSTMASTER_RUNS}; then echo "a server runs on $d: ReplicaDesk rewinds only a stopped one" >&2; exit 3; fi
for p in $(pgrep -x pg_rewind); do
  if tr '\0' '\n' < "/proc/$p/cmdline" 2>/dev/null | grep -qxF -- "$d"; then echo "an earlier pg_rewind (pid $p) still runs on $d" >&2; exit 4; fi
done
mkdir -p ${REJOIN_DIR}
rm -f -- "$d/standby.signal" ${REJOIN_DIR}/done
printf '%s\n' "$op" > ${REJOIN_DIR}/rewinding
"$@"
rc=$?
if [ $rc -ne 0 ]; then
  [ -d "$d" ] && : > "$d/standby.signal"
  exit $rc
fi
printf '%s\n' "$op" > ${REJOIN_DIR}/done
rm -f -- ${REJOIN_DIR}/rewinding`

/** pg_rewind failed before it changed the data dir: its `rewinding` mark goes. Args: KEY. */
export const REJOIN_REWIND_UNTOUCHED = String.raw`key=$1
rm -f -- ${REJOIN_DIR}/rewinding`

/**
 * Empties a stopped member's data dir (the dir itself stays, and a Debian cluster's conf dir
 * is elsewhere) and copies the primary into it (the remaining arguments: pg_basebackup); on
 * success the operation's mark. The data-dir guard runs first: only a copy of the cluster
 * SYSID goes, or what a rebuild (`rebuilding` mark) began to fill. Exit 3: a server runs
 * there; 4/5: the guard refused. Args: DATADIR KEY OPERATION PG_CONTROLDATA SYSID PROTECTED COMMAND...
 */
export const REJOIN_REBUILD = String.raw`set -u
d=$1 key=$2 op=$3 controldata=$4 sysid=$5 prot=$6; shift 6
if ${POSTMASTER_RUNS}; then echo "a server runs on $d: ReplicaDesk empties only a stopped one" >&2; exit 3; fi
${GUARD_FN}
allow=sysid:$sysid
[ -f ${REJOIN_DIR}/rebuilding ] && allow=any
rd_guard step "$d" "$controldata" "$allow" "$prot" >&2 || exit $?
mkdir -p ${REJOIN_DIR} && printf '%s\n' "$op" > ${REJOIN_DIR}/rebuilding || exit 1
rm -f -- ${REJOIN_DIR}/done ${REJOIN_DIR}/rewinding
mkdir -p -- "$d" && chmod 700 -- "$d" || exit 1
find "$d" -xdev -mindepth 1 -delete || exit 1
"$@" || exit $?
printf '%s\n' "$op" > ${REJOIN_DIR}/done && rm -f -- ${REJOIN_DIR}/rebuilding`

/**
 * Puts the member's saved files (a plain data dir's postgresql.conf, pg_hba.conf,
 * pg_ident.conf) back over the source's copies, then runs the command after `--`.
 * Args: DATADIR KEY FILE... -- COMMAND...
 */
export const REJOIN_RESTORE = String.raw`set -eu
d=$1 key=$2; shift 2
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  if [ -f ${REJOIN_DIR}/"$1" ]; then cp -p -- ${REJOIN_DIR}/"$1" "$d/$1.rd-tmp"; mv -f -- "$d/$1.rd-tmp" "$d/$1"; fi
  shift
done
if [ $# -gt 0 ]; then shift; fi
[ $# -eq 0 ] || exec "$@"`

/**
 * Debian: start.conf back from `disabled` (to the value the fence kept, else auto) so that
 * pg_ctlcluster starts the cluster; the fence marker stays until the rejoin's last step. Then
 * runs the remaining arguments. Args: KEY START_CONF COMMAND...
 */
export const REJOIN_LIFT_START_CONF = String.raw`set -eu
key=$1 startconf=$2; shift 2
if [ -f "$startconf" ] && grep -q '^disabled' "$startconf"; then
  old=$(cat "$HOME/.replicadesk/fences/$key.startconf" 2>/dev/null || true)
  case $old in ''|disabled) old=auto ;; esac
  printf '%s\n' "$old" > "$startconf.rd-tmp"
  mv -f -- "$startconf.rd-tmp" "$startconf"
fi
[ $# -eq 0 ] || exec "$@"`

/** The end of a rejoin: its saved files and mark go. Args: KEY. */
export const REJOIN_FORGET = String.raw`key=$1
rm -rf -- ${REJOIN_DIR} ${REJOIN_DIR}.rd-tmp`
