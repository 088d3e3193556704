#!/bin/bash
# systemctl stand-in of a ReplicaDesk lab host, bind-mounted over /usr/bin/systemctl inside that
# host only (no lab host runs systemd). It answers what the product runs over SSH
# (`sudo -n systemctl …`) for unit files in /etc/systemd/system (private per host) and
# /lib/systemd/system: start stop restart enable disable is-active is-enabled daemon-reload status
# show, template units (name@instance.service), their drop-ins (UNIT.d/*.conf) and aliases
# (mysql.service → mariadb.service) included. A started unit runs its ExecStartPre= lines, then its
# ExecStart as its User= under a supervisor (one detached bash per unit) that restarts it per
# Restart= after RestartSec=, at most 5 starts in 10 s (systemd's default start limit). Types
# simple/exec/notify (run in the foreground; no sd_notify wait), forking (PIDFile=) and oneshot.
# Stop: ExecStop=, TERM, KILL after TimeoutStopSec= (at most 60 s) unless SendSIGKILL=no.
# After=/Wants= are not ordered: units start in name order at boot.
# State: $LAB_UNIT_STATE.
# The lab writes LAB_HOST_DIR and LAB_UNIT_STATE in a header above this text when it installs it.
set -u
state=$LAB_UNIT_STATE
self=$0
unit_dirs=(/etc/systemd/system /lib/systemd/system)
quiet=0 now=0 value=0 props=()
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

say() { [ "$quiet" = 1 ] || echo "$@"; }
# A unit name with its suffix; an alias (a package's symlink such as mysql.service →
# mariadb.service) names the unit it points to, as systemd loads one unit under both names.
unit_name() {
  local u d t
  case $1 in *.service | *.target | *.socket | *.timer) u=$1 ;; *) u=$1.service ;; esac
  for d in "${unit_dirs[@]}"; do
    [ -L "$d/$u" ] || continue
    t=$(readlink "$d/$u"); t=${t##*/}
    case $t in *.service | *.target | *.socket | *.timer) [ -f "$d/$u" ] && u=$t ;; esac
    break
  done
  echo "$u"
}

# The unit file of a unit name (a template's name@.service for name@instance.service).
unit_file() {
  local u=$1 d t=
  case $u in *@?*.*) t=${u%%@*}@.${u##*.} ;; esac
  for d in "${unit_dirs[@]}"; do [ -f "$d/$u" ] && { echo "$d/$u"; return 0; }; done
  [ -n "$t" ] || return 1
  for d in "${unit_dirs[@]}"; do [ -f "$d/$t" ] && { echo "$d/$t"; return 0; }; done
  return 1
}

# The unit's drop-ins as systemd reads them: UNIT.d/*.conf and, for a template instance, also
# name@.service.d/*.conf, in both unit dirs; sorted by file name, a name in /etc (or the instance's
# dir) hiding the same name elsewhere.
unit_dropins() {
  local u=$1 t= d x f n seen=' '
  case $u in *@?*.*) t=${u%%@*}@.${u##*.} ;; esac
  for d in "${unit_dirs[@]}"; do
    for x in "$u" ${t:+"$t"}; do
      for f in "$d/$x.d"/*.conf; do
        [ -f "$f" ] || continue
        n=${f##*/}
        case $seen in *" $n "*) continue ;; esac
        seen="$seen$n "
        printf '%s\t%s\n' "$n" "$f"
      done
    done
  done | LC_ALL=C sort -t "$(printf '\t')" -k1,1 | cut -f2
}

# Values of KEY= in the unit file then its drop-ins (later ones override; an empty value resets
# the list, as `ExecStart=` does), specifiers %i %I %n %N %p %% expanded. A line ending in a
# backslash goes on in the next one, the backslash read as a space (mariadb.service's ExecStart).
unit_values() {
  local f=$1 u=$2 key=$3 inst= line files=()
  case $u in *@*) inst=${u#*@}; inst=${inst%.*} ;; esac
  mapfile -t files < <(echo "$f"; unit_dropins "$u")
  sed -e '/^[[:space:]]*[#;]/b' -e ':a' -e '/\\$/{N;s/\\\n/ /;ba}' "${files[@]}" |
    sed -n "s/^[[:space:]]*$key[[:space:]]*=[[:space:]]*//p" | {
    vals=()
    while IFS= read -r line; do
      [ -n "$line" ] || { vals=(); continue; }
      line=${line//%%/$'\1'}
      line=${line//%i/$inst}; line=${line//%I/${inst//-//}}; line=${line//%n/$u}; line=${line//%N/${u%.*}}; line=${line//%p/${u%%@*}}
      vals+=("${line//$'\1'/%}")
    done
    [ ${#vals[@]} -eq 0 ] || printf '%s\n' "${vals[@]}"
  }
}
# The value in force: the last one (a single-valued setting's last assignment wins).
unit_get() { unit_values "$@" | tail -n 1; }

unit_dir() { echo "$state/units/$1"; }
alive() { local s; s=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) && [ -n "$s" ] && [ "$s" != Z ]; }
sup_pid() { cat "$(unit_dir "$1")/sup" 2>/dev/null || echo 0; }
main_pid() { local p; p=$(cat "$(unit_dir "$1")/pid" 2>/dev/null) && alive "$p" && echo "$p"; }

active_state() {
  local d; d=$(unit_dir "$1")
  if main_pid "$1" >/dev/null || [ -e "$d/remain" ]; then echo active
  elif alive "$(sup_pid "$1")"; then echo activating
  elif [ "$(cat "$d/result" 2>/dev/null)" = failed ]; then echo failed
  else echo inactive; fi
}

enabled_state() {
  local u=$1 f; f=$(unit_file "$u") || return 2
  if compgen -G "/etc/systemd/system/*.wants/$u" >/dev/null; then echo enabled
  elif ! grep -q '^[[:space:]]*\[Install\]' "$f"; then echo static
  else echo disabled; fi
}

# systemd's quoting is not the shell's: inside "…" nothing is expanded, so $VAR and `cmd` there
# reach the program as written (mariadb.service hands a whole script to /bin/sh -c that way). The
# command line is run by sh, so each "…" becomes '…' (\" \\ \' inside it unescaped); the rest
# stays as it is.
sd_to_sh() {
  local s=$1 out= c q= i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    if [ "$q" = '"' ]; then
      case $c in
        '"') q= c="'" ;;
        "'") c="'\''" ;;
        \\) case ${s:i+1:1} in '"' | \\) i=$((i + 1)); c=${s:i:1} ;; "'") i=$((i + 1)); c="'\''" ;; esac ;;
      esac
    elif [ "$q" = "'" ]; then
      [ "$c" = "'" ] && q=
    else
      case $c in '"') q='"' c="'" ;; "'") q="'" ;; esac
    fi
    out+=$c
  done
  printf '%s' "$out"
}

# Runs inside the supervisor, as the background child it waits on: becomes the command (ExecStart,
# ExecStartPre, ExecStop) as User=; the prefixes + and ! run it as root, as they do in systemd.
exec_main() {
  local u=$1 f=$2 cmd=$3 user group home shell wd envs=() e prefix
  prefix=${cmd%%[!-@+!:]*}
  user=$(unit_get "$f" "$u" User); user=${user:-root}
  group=$(unit_get "$f" "$u" Group); group=${group:-$(id -gn "$user")}
  case $prefix in *[+!]*) user=root group=root ;; esac
  IFS=: read -r _ _ _ _ _ home shell < <(getent passwd "$user")
  # Environment= is unit-file text written by root: eval splits it with shell quoting, close to systemd's.
  while IFS= read -r e; do eval "envs+=($e)"; done < <(unit_values "$f" "$u" Environment)
  wd=$(unit_get "$f" "$u" WorkingDirectory); wd=${wd#-}; [ "$wd" = "~" ] && wd=$home
  cd "${wd:-/}" || exit 200
  cmd=$(sd_to_sh "${cmd#"$prefix"}")
  local as=()
  [ "$user" = root ] || as=(setpriv "--reuid=$user" "--regid=$group" --init-groups)
  # Own session: stop signals the whole process group, as systemd signals the unit's cgroup.
  exec setsid "${as[@]}" env -i PATH="$PATH" LANG=C.UTF-8 HOME="$home" USER="$user" LOGNAME="$user" \
    SHELL="$shell" "${envs[@]}" /bin/sh -c "exec $cmd"
}

# ExecStartPre= lines, in order, before every start (at most 60 s each); one that fails without
# the - prefix fails the start, as in systemd.
start_pre() {
  local u=$1 f=$2 pre sp rc
  while IFS= read -r pre; do
    [ -n "$pre" ] || continue
    (exec_main "$u" "$f" "$pre") </dev/null 9>&- &
    sp=$!
    wait_gone 600 "$sp" || kill -KILL "$sp" 2>/dev/null
    wait "$sp"; rc=$?
    if [ "$rc" != 0 ]; then
      case ${pre%%[!-@+!:]*} in *-*) ;; *) echo "$u: ExecStartPre=$pre failed (exit $rc)" >&2; return 1 ;; esac
    fi
  done < <(unit_values "$f" "$u" ExecStartPre)
  return 0
}

supervise() {
  local u=$1 f d type restart sec cmd starts=() t kept rc pid pidfile
  f=$(unit_file "$u") || exit 1
  d=$(unit_dir "$u")
  type=$(unit_get "$f" "$u" Type); type=${type:-simple}
  restart=$(unit_get "$f" "$u" Restart); restart=${restart:-no}
  sec=$(unit_get "$f" "$u" RestartSec); sec=${sec:-0.1}; sec=${sec%s}
  cmd=$(unit_get "$f" "$u" ExecStart)
  pidfile=$(unit_get "$f" "$u" PIDFile)
  while :; do
    t=$(date +%s) kept=()
    for s in "${starts[@]}"; do ((t - s < 10)) && kept+=("$s"); done
    starts=("${kept[@]}" "$t")
    if ((${#starts[@]} > 5)); then echo "$u: start request repeated too quickly" >&2; echo failed >"$d/result"; break; fi
    if ! start_pre "$u" "$f"; then
      rc=1 # an ExecStartPre= failed: the main process never runs
    elif [ "$type" = forking ]; then
      exec_main "$u" "$f" "$cmd" &
      pid=$!
      wait "$pid"; rc=$?
      if [ "$rc" = 0 ] && [ -n "$pidfile" ]; then
        for _ in $(seq 50); do [ -s "$pidfile" ] && break; sleep 0.1; done
        pid=$(cat "$pidfile" 2>/dev/null)
        echo "$pid" >"$d/pid"
        while alive "$pid"; do sleep 0.2; done
        rc=1 # a forked daemon's exit status is unknown: count its end as a failure
      fi
    else
      exec_main "$u" "$f" "$cmd" &
      pid=$!
      echo "$pid" >"$d/pid"
      wait "$pid"; rc=$?
    fi
    rm -f "$d/pid"
    if [ "$type" = oneshot ]; then
      [ "$rc" = 0 ] && case $(unit_get "$f" "$u" RemainAfterExit) in yes | on | true | 1) touch "$d/remain" ;; esac
    fi
    if [ "$rc" = 0 ]; then rm -f "$d/result"; else echo failed >"$d/result"; fi
    [ -e "$d/stopping" ] && break
    case $restart in
      always) ;;
      on-failure) [ "$rc" != 0 ] || break ;;
      on-success) [ "$rc" = 0 ] || break ;;
      on-abnormal | on-abort) ((rc > 128)) || break ;;
      *) break ;;
    esac
    sleep "$sec"
    [ -e "$d/stopping" ] && break
  done
  rm -f "$d/sup"
}

lock() { mkdir -p "$(unit_dir "$1")"; exec 9>"$(unit_dir "$1")/lock"; flock -w 30 9; }

start_unit() {
  local u=$1 f d
  f=$(unit_file "$u") || { echo "Failed to start $u: Unit $u not found." >&2; return 5; }
  d=$(unit_dir "$u")
  lock "$u"
  [ "$(active_state "$u")" = active ] && return 0
  alive "$(sup_pid "$u")" && return 0
  rm -f "$d/stopping" "$d/result" "$d/remain"
  # 9>&-: the supervisor must not keep this call's lock.
  setsid "$self" rdlab-supervise "$u" </dev/null >>"$d/log" 2>&1 9>&- &
  echo $! >"$d/sup"
  # Like systemctl: return once started (simple: forked; forking: PIDFile read; oneshot: done).
  local type; type=$(unit_get "$f" "$u" Type)
  for _ in $(seq 300); do
    case $type in
      oneshot) alive "$(sup_pid "$u")" || break ;;
      *) { main_pid "$u" >/dev/null || ! alive "$(sup_pid "$u")"; } && break ;;
    esac
    sleep 0.1
  done
  [ "$(cat "$d/result" 2>/dev/null)" = failed ] && ! main_pid "$u" >/dev/null && {
    echo "Job for $u failed because the control process exited with error code." >&2
    return 1
  }
  return 0
}

# Waits at most N tenths of a second until none of the pids is alive.
wait_gone() {
  local n=$1 p left; shift
  for _ in $(seq "$n"); do
    left=0
    for p in "$@"; do alive "$p" && left=1; done
    [ "$left" = 0 ] && return 0
    sleep 0.1
  done
  return 1
}

# TimeoutStopSec= (else TimeoutSec=) in tenths of a second: 10 s when unset (systemd: 90 s), at
# most 60 s in the lab (mariadb.service says 900). Spans like "90", "90s", "5min", "1min 30s".
stop_tenths() {
  local v t=0 part n unit
  v=$(unit_get "$1" "$2" TimeoutStopSec); [ -n "$v" ] || v=$(unit_get "$1" "$2" TimeoutSec)
  [ -n "$v" ] || { echo 100; return; }
  [ "$v" = infinity ] && { echo 600; return; }
  for part in $v; do
    n=${part%%[!0-9]*}; unit=${part#"$n"}; n=$((10#${n:-0}))
    case $unit in
      '' | s | sec | second | seconds) t=$((t + n * 10)) ;;
      ms | msec) t=$((t + n / 100)) ;;
      m | min | minute | minutes) t=$((t + n * 600)) ;;
      h | hr | hour | hours) t=$((t + n * 36000)) ;;
    esac
  done
  ((t > 600)) && t=600
  ((t < 1)) && t=1
  echo "$t"
}

# ExecStop= first (at most 60 s), then TERM to the main process group; KILL once the stop timeout
# passes, unless SendSIGKILL=no (mariadb.service): then, like systemd, the stop fails and the
# process is left running.
stop_unit() {
  local u=$1 f d pid sup cmd sp tenths
  f=$(unit_file "$u") || { echo "Failed to stop $u: Unit $u not loaded." >&2; return 5; }
  d=$(unit_dir "$u")
  lock "$u"
  touch "$d/stopping"
  rm -f "$d/remain"
  pid=$(main_pid "$u") || pid=0
  sup=$(sup_pid "$u")
  cmd=$(unit_get "$f" "$u" ExecStop)
  if [ "$pid" != 0 ] && [ -n "$cmd" ]; then
    (exec_main "$u" "$f" "$cmd") </dev/null >>"$d/log" 2>&1 9>&- &
    sp=$!
    wait_gone 600 "$sp" || kill -KILL "$sp" 2>/dev/null
    wait "$sp" 2>/dev/null
    wait_gone 100 "$pid"
  fi
  alive "$pid" && kill -TERM -- "-$pid" "$pid" 2>/dev/null
  tenths=$(stop_tenths "$f" "$u")
  if ! wait_gone "$tenths" "$sup" "$pid"; then
    case $(unit_get "$f" "$u" SendSIGKILL) in
      no | false | off | 0)
        if alive "$pid"; then
          echo "Job for $u failed: the main process $pid is still running $((tenths / 10)) s after SIGTERM (SendSIGKILL=no)." >&2
          return 1
        fi ;;
    esac
    # Never pid 0 ("-0" and 0 are this command's own process group).
    [ "$pid" = 0 ] || kill -KILL -- "-$pid" "$pid" 2>/dev/null
    [ "$sup" = 0 ] || kill -KILL "$sup" 2>/dev/null
  fi
  rm -f "$d/pid" "$d/sup" "$d/result"
  return 0
}

enable_unit() {
  local u=$1 f w
  f=$(unit_file "$u") || { echo "Failed to enable unit: Unit file $u does not exist." >&2; return 1; }
  w=$(unit_get "$f" "$u" WantedBy)
  if [ -z "$w" ]; then
    echo "The unit files have no installation config (WantedBy=, RequiredBy=, Also=, Alias= settings in the [Install] section)." >&2
    return 0
  fi
  for t in $w; do
    [ -L "/etc/systemd/system/$t.wants/$u" ] && continue
    mkdir -p "/etc/systemd/system/$t.wants"
    ln -s "$f" "/etc/systemd/system/$t.wants/$u"
    echo "Created symlink /etc/systemd/system/$t.wants/$u → $f." >&2
  done
}

disable_unit() {
  local u=$1 l
  unit_file "$u" >/dev/null || { echo "Failed to disable unit: Unit file $u does not exist." >&2; return 1; }
  for l in /etc/systemd/system/*.wants/"$u"; do
    [ -L "$l" ] || continue
    rm -f "$l"
    echo "Removed \"$l\"." >&2
  done
}

status_unit() {
  local u=$1 f a
  f=$(unit_file "$u") || { echo "Unit $u could not be found." >&2; return 4; }
  a=$(active_state "$u")
  echo "● $u - $(unit_get "$f" "$u" Description)"
  echo "     Loaded: loaded ($f; $(enabled_state "$u"))"
  echo "     Active: $a"
  main_pid "$u" >/dev/null && echo "   Main PID: $(main_pid "$u")"
  [ "$a" = active ]
}

show_unit() {
  local u=$1 p v
  for p in "${props[@]}"; do
    case $p in
      MainPID) v=$(main_pid "$u" || echo 0) ;;
      ActiveState) v=$(active_state "$u") ;;
      UnitFileState) v=$(enabled_state "$u") ;;
      DropInPaths) v=$(unit_dropins "$u" | paste -sd' ') ;;
      *) v=$(unit_file "$u" >/dev/null && unit_get "$(unit_file "$u")" "$u" "$p")
        [ -n "$v" ] || case $p in Restart) v=no ;; esac ;;
    esac
    if [ "$value" = 1 ]; then echo "$v"; else echo "$p=$v"; fi
  done
}

boot() { # what systemd does at boot for the units enabled here
  local l conf d v c s
  # A boot forgets what ran before (like /run): stale pids could have been reused by now.
  rm -f "$state"/units/*/pid "$state"/units/*/sup "$state"/units/*/remain "$state"/units/*/stopping "$state"/units/*/result
  for l in /etc/systemd/system/*.wants/*; do [ -L "$l" ] && start_unit "$(basename "$l")"; done
  # postgresql-common's postgresql-generator: with postgresql.service enabled, every cluster whose
  # start.conf says auto (or has none) starts as postgresql@VERSION-NAME.
  if compgen -G "/etc/systemd/system/*.wants/postgresql.service" >/dev/null; then
    for conf in /etc/postgresql/*/*/postgresql.conf; do
      [ -f "$conf" ] || continue
      d=${conf%/postgresql.conf}; c=${d##*/}; v=${d%/*}; v=${v##*/}
      s=$(grep -v '^[[:space:]]*#' "$d/start.conf" 2>/dev/null | grep -o '[a-z]\+' | head -n 1)
      [ "${s:-auto}" = auto ] && start_unit "postgresql@$v-$c.service"
    done
  fi
  return 0
}

verb= units=()
while [ $# -gt 0 ]; do
  case $1 in
    -q | --quiet) quiet=1 ;;
    --now) now=1 ;;
    --value) value=1 ;;
    -p | --property) props+=("${2//,/ }"); shift ;;
    --property=*) props+=("${1#*=}") ;;
    --no-pager | --no-block | --no-ask-password | --system | -l | --full | --no-reload) ;;
    -*) echo "systemctl (ReplicaDesk lab stand-in): unsupported option $1" >&2; exit 1 ;;
    *) if [ -z "$verb" ]; then verb=$1; else units+=("$(unit_name "$1")"); fi ;;
  esac
  shift
done
[ ${#props[@]} -gt 0 ] && read -ra props <<<"${props[*]}"

case $verb in
  rdlab-supervise) supervise "${units[0]}"; exit 0 ;;
  rdlab-boot) boot; exit 0 ;;
  daemon-reload | daemon-reexec | reset-failed) exit 0 ;;
  start | stop | restart | try-restart | reload-or-restart | enable | disable)
    if [ "$(id -u)" != 0 ]; then
      echo "Failed to $verb ${units[*]}: Interactive authentication required." >&2
      exit 1
    fi
    [ ${#units[@]} -gt 0 ] || { echo "Too few arguments." >&2; exit 1; } ;;
esac

rc=0
case $verb in
  start) for u in "${units[@]}"; do start_unit "$u" || rc=$?; done ;;
  stop) for u in "${units[@]}"; do stop_unit "$u" || rc=$?; done ;;
  restart | reload-or-restart) for u in "${units[@]}"; do { stop_unit "$u" && start_unit "$u"; } || rc=$?; done ;;
  try-restart) for u in "${units[@]}"; do [ "$(active_state "$u")" = active ] && { stop_unit "$u" && start_unit "$u" || rc=$?; }; done ;;
  enable) for u in "${units[@]}"; do enable_unit "$u" || rc=$?; [ "$now" = 1 ] && { start_unit "$u" || rc=$?; }; done ;;
  disable) for u in "${units[@]}"; do disable_unit "$u" || rc=$?; [ "$now" = 1 ] && { stop_unit "$u" || rc=$?; }; done ;;
  is-active)
    rc=3
    for u in "${units[@]}"; do a=$(active_state "$u"); say "$a"; [ "$a" = active ] && rc=0; done ;;
  is-enabled)
    rc=1
    for u in "${units[@]}"; do
      if e=$(enabled_state "$u"); then say "$e"; case $e in enabled | static) rc=0 ;; esac
      else echo "Failed to get unit file state for $u: No such file or directory" >&2; fi
    done ;;
  is-failed)
    rc=1
    for u in "${units[@]}"; do a=$(active_state "$u"); say "$a"; [ "$a" = failed ] && rc=0; done ;;
  status) for u in "${units[@]}"; do status_unit "$u" || rc=$?; done; [ "$rc" = 0 ] || [ "$rc" = 4 ] || rc=3 ;;
  show) for u in "${units[@]}"; do show_unit "$u"; done ;;
  *) echo "Unknown command verb '$verb' (ReplicaDesk lab stand-in: start stop restart enable disable is-active is-enabled is-failed daemon-reload status show)." >&2; rc=1 ;;
esac
exit "$rc"
