// The script that boots a netns host, run as root inside the host's new mount+UTS namespace:
// private copies bind-mounted over the real paths, a bare host's database packages hidden, the
// host's stand-ins (systemctl, apt-get) over the machine's commands, then the holder and sshd.
// The bare-host and stand-in steps are shared with the apt-get stand-in, which lifts the hiding.

/** Lays the stand-ins of HOSTDIR/bin over /usr/bin/<same name>. */
export const bindStandIns = `bind_standins() {
  for f in "$1"/bin/*; do
    if [ -e "$f" ]; then mount --bind "$f" "/usr/bin/\${f##*/}"; fi
  done
}`

/**
 * Bare host: each line of HOSTDIR/bare/hidden is "dir PATH" (an empty dir is bound over it) or
 * "bin NAME" (a whiteout in a read-only overlay over /usr/bin, so the name is truly absent).
 */
export const hidePackages = `hide_packages() {
  b=$1/bare
  mount -t tmpfs -o mode=755 rdlab-bare "$b/whiteouts"
  while read -r kind path; do
    case $kind in
      dir) mount --bind "$b/empty" "$path" ;;
      bin) mknod "$b/whiteouts/$path" c 0 0 ;;
    esac
  done < "$b/hidden"
  mount -t overlay -o "lowerdir=$b/whiteouts:/usr/bin" rdlab-bare /usr/bin
}`

export const bootScript = `set -eu
${bindStandIns}
${hidePackages}
name=$1 cfg=$2 log=$3 dir=$4; shift 4
while [ $# -gt 0 ]; do mount --bind "$1" "$2"; shift 2; done
if [ -d "$dir/bare" ] && [ ! -e "$dir/bare/installed" ]; then hide_packages "$dir"; fi
bind_standins "$dir"
hostname "$name"
cd /
(exec -a rdlab-holder sleep infinity) </dev/null >/dev/null 2>&1 &
echo $!
exec /usr/sbin/sshd -f "$cfg" -E "$log"
`
