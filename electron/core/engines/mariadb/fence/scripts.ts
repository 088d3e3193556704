// The fence of a MariaDB member, on its host: there is no setting that stops a user with
// READ_ONLY ADMIN (or SUPER) writing on MariaDB 10.11, so a fenced member is a stopped server
// that stays stopped and comes back read-only: a marker file ReplicaDesk honours (its start
// refuses while it is there, instance.ts), read_only = ON in its option file, and on the
// Debian layout the mariadb unit disabled (a reboot does not start it). Fixed POSIX sh texts
// run as `sh -c SCRIPT sh ARG…`: every value is a positional parameter.
import { claimKeyOf } from '../add-replica/claims'
import { RD_CONF_DIR, type MariaMember } from '../model'

/** The fence marker of a member's datadir (root's, readable by all, outside every datadir). */
export const fenceMarker = (m: Pick<MariaMember, 'dataDir'>) => `${RD_CONF_DIR}/fenced/${claimKeyOf(m.dataDir)}`

/**
 * As root: fences the member. The marker first (from then on ReplicaDesk never starts it), the
 * option file's read_only = ON (SET_READ_ONLY, when the file is there), the Debian unit
 * disabled and stopped, then (STOP not -) the server of DATADIR stopped (STOP_PLAIN: SIGTERM to
 * that datadir's live mariadbd only, waits at most LIMIT s; a killed one counts as stopped).
 * Prints the stop's answer ("stopped", "not running"). Args: MARKER MEMBER DATADIR REASON
 * CONF LAYOUT PIDFILE LIMIT SETRO STOP|-.
 */
export const FENCE = String.raw`set -eu
marker=$1 member=$2 d=$3 reason=$4 conf=$5 layout=$6 pidf=$7 limit=$8 setro=$9 stop=${'$'}{10}
install -d -o root -g root -m 755 -- "${'$'}{marker%/*}"
printf 'member=%s\ndatadir=%s\nreason=%s\nat=%s\n' "$member" "$d" "$reason" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$marker.tmp"
chmod 644 -- "$marker.tmp"
mv -f -- "$marker.tmp" "$marker"
if [ -f "$conf" ]; then sh -c "$setro" sh "$conf" ON >/dev/null; fi
if [ "$layout" = debian ]; then
  systemctl disable mariadb >/dev/null 2>&1 || true
  [ "$stop" = - ] || systemctl stop mariadb >/dev/null 2>&1 || true
fi
[ "$stop" = - ] && { echo "files"; exit 0; }
sh -c "$stop" sh "$d" "$pidf" "$limit"`

/** As root: the marker removed, the Debian unit enabled again (the member may start). Args: MARKER LAYOUT. */
export const UNFENCE = String.raw`set -eu
rm -f -- "$1"
if [ "$2" = debian ]; then systemctl enable mariadb >/dev/null 2>&1 || true; fi
echo unfenced`

/** Any user: prints "fenced" and the marker when MARKER is there, else "free". Args: MARKER. */
export const FENCED = String.raw`if [ -f "$1" ]; then echo fenced; cat -- "$1"; else echo free; fi
exit 0`

/**
 * Any user, before every start of a member: refuses (exit 3) while its fence marker is there,
 * saying why and what to do. Args: MARKER MEMBER.
 */
export const NOT_FENCED = String.raw`[ -f "$1" ] || exit 0
echo "$2 is fenced ($(sed -n 's/^reason=//p' "$1" | head -n 1)): ReplicaDesk does not start it, so it never comes back as a second primary. Rejoin it (it then follows the current primary); remove $1 by hand only once you are sure no other member accepts writes." >&2
exit 3`
