#!/bin/bash
# apt-get stand-in of a *bare* ReplicaDesk lab host, bind-mounted over /usr/bin/apt-get inside that
# host only. The lab hosts share /usr and the dpkg database with the machine, so a bare host hides
# the database packages' files (see boot-script.ts); `apt-get install -y PKG…` records the request,
# fails like apt (`E: Unable to locate package X`, exit 100) for a package the machine does not
# have (dpkg), else lifts the hiding on this host and plays what the package's postinst does:
# Debian's postgresql-NN creates a `main` cluster unless /etc/postgresql-common/createcluster.conf
# says create_main_cluster = false, enables postgresql.service and starts the cluster as
# postgresql@NN-main through the host's systemctl stand-in.
# The lab writes LAB_HOST_DIR in a header above this text when it installs the stand-in.
set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
bare=$LAB_HOST_DIR/bare

verb= pkgs=()
while [ $# -gt 0 ]; do
  case $1 in
    -o | -c | -t) shift ;; # options with a value
    -*) ;;                 # -y -q --no-install-recommends --no-upgrade …: no effect here
    *) if [ -z "$verb" ]; then verb=$1; else pkgs+=("$1"); fi ;;
  esac
  shift
done

if [ "$(id -u)" != 0 ] && [ "$verb" != "" ]; then
  echo "E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)" >&2
  echo "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), are you root?" >&2
  exit 100
fi

case $verb in
  update) echo "Reading package lists... Done"; exit 0 ;;
  install) ;;
  "") echo "apt 2.6.1 (ReplicaDesk lab stand-in: install, update)"; exit 0 ;;
  *) echo "E: Invalid operation $verb" >&2; exit 100 ;;
esac
printf '%s install %s\n' "$(date -u +%FT%TZ)" "${pkgs[*]}" >>"$bare/apt-requests.log"

echo "Reading package lists... Done"
missing=0
for p in "${pkgs[@]}"; do
  name=${p%%=*}; name=${name%%:*}
  case $(dpkg-query -W -f='${db:Status-Abbrev}' "$name" 2>/dev/null) in
    ii*) ;;
    *) echo "E: Unable to locate package $name" >&2; missing=1 ;;
  esac
done
[ "$missing" = 0 ] || exit 100

# Lift: the whiteout overlay on /usr/bin goes (with the stand-ins bound on it, laid again after),
# then the empty dirs bound over the packages' dirs.
if [ ! -e "$bare/installed" ]; then
  while read -r kind path; do
    [ "$kind" = dir ] && umount -l "$path"
  done <"$bare/hidden"
  umount -l /usr/bin
  for f in "$LAB_HOST_DIR"/bin/*; do mount --bind "$f" "/usr/bin/${f##*/}"; done
  touch "$bare/installed"
fi
for p in "${pkgs[@]}"; do echo "Setting up ${p%%=*} ..."; done

# postgresql-NN's postinst: a `main` cluster, created and started, unless createcluster.conf says no.
for p in "${pkgs[@]}"; do
  case ${p%%=*} in postgresql | postgresql-[0-9]*) ;; *) continue ;; esac
  v=${p%%=*}; v=${v#postgresql}; v=${v#-}
  [ -n "$v" ] || v=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
  case $v in *[!0-9]*) continue ;; esac # postgresql-client-15, postgresql-common…
  conf=/etc/postgresql-common/createcluster.conf
  if grep -Eiq '^[[:space:]]*create_main_cluster[[:space:]]*=[[:space:]]*(false|no|off|0)\b' "$conf" 2>/dev/null; then continue; fi
  [ -e "/etc/postgresql/$v/main" ] && continue
  pg_createcluster "$v" main || exit 100
  # As on a Debian box with systemd: postgresql.service enabled, the cluster run as its unit
  # (so it comes back at boot, through the stand-in's postgresql-generator).
  systemctl enable -q postgresql.service 2>/dev/null
  systemctl start "postgresql@$v-main.service" || exit 100
done
exit 0
