// The member side of the cluster lease: one POSIX sh script, run as
//   sh -c SCRIPT sh MODE ROOT CLUSTER INSTANCE OPERATION TTL MUTEX_STALE
// so every value arrives as a positional parameter and none is ever parsed as shell code.
//
// The lease is the directory ROOT/CLUSTER, made by an atomic mkdir; its `owner` file holds
// three lines: instance id, operation id, expiry in seconds on THIS member's clock
// (`date +%s`). Every read and change of it (take, steal after expiry, renew, release)
// happens under a second mkdir, ROOT/.CLUSTER.mutex, held for the few milliseconds the
// script runs, so a lease is never seen half-written nor stolen twice. A mutex left by a
// script killed inside those milliseconds is broken after MUTEX_STALE seconds.
//
// Output, one line: `granted NOW EXPIRY` | `held NOW INSTANCE OPERATION EXPIRY` |
// `lost NOW INSTANCE OPERATION EXPIRY` | `released` | `busy` (try again). Exit 0 for all of
// these; anything else is a failure to report (permissions, no such command...).
export type LeaseMode = 'acquire' | 'renew' | 'release'

export const leaseScript = String.raw`set -u
mode=$1 root=$2 cluster=$3 inst=$4 op=$5 ttl=$6 stale=$7
dir=$root/$cluster
owner=$dir/owner
mutex=$root/.$cluster.mutex

grant() {
  t=$(date +%s) || exit 3
  tmp=$dir/owner.tmp.$$
  printf '%s\n%s\n%s\n' "$inst" "$op" "$((t + ttl))" > "$tmp" && mv -f -- "$tmp" "$owner" || exit 3
  echo "granted $t $((t + ttl))"
}

if [ "$mode" = acquire ]; then mkdir -p -- "$root" || exit 3; fi

if ! mkdir -- "$mutex" 2>/dev/null; then
  if [ ! -d "$root" ]; then
    case $mode in release) echo released ;; renew) echo "lost 0 - - 0" ;; *) exit 3 ;; esac
    exit 0
  fi
  if m=$(date -r "$mutex" +%s 2>/dev/null) && [ $(( $(date +%s) - m )) -gt "$stale" ]; then
    rmdir -- "$mutex" 2>/dev/null
  fi
  echo busy
  exit 0
fi
trap 'rmdir -- "$mutex" 2>/dev/null' EXIT
trap 'exit 1' HUP INT TERM

t=$(date +%s) || exit 3
if [ ! -d "$dir" ]; then
  case $mode in
    acquire) if mkdir -- "$dir"; then grant; else exit 3; fi ;;
    renew) echo "lost $t - - 0" ;;
    release) echo released ;;
  esac
  exit 0
fi

o_inst=- o_op=- o_exp=0
if [ -f "$owner" ]; then
  { read -r o_inst; read -r o_op; read -r o_exp; } < "$owner"
  case $o_exp in '' | *[!0-9]*) o_exp=0 ;; esac
  [ -n "$o_inst" ] || o_inst=-
  [ -n "$o_op" ] || o_op=-
elif m=$(date -r "$dir" +%s 2>/dev/null); then
  # Its writer was killed between mkdir and writing the owner: expires one ttl after the mkdir.
  o_exp=$((m + ttl))
fi
ours=no
if [ "$o_inst" = "$inst" ] && [ "$o_op" = "$op" ]; then ours=yes; fi

case $mode in
  acquire)
    if [ $ours = yes ]; then
      grant
    elif [ "$t" -ge "$o_exp" ]; then
      rm -rf -- "$dir" && mkdir -- "$dir" || exit 3
      grant
    else
      echo "held $t $o_inst $o_op $o_exp"
    fi ;;
  renew)
    if [ $ours = yes ]; then grant; else echo "lost $t $o_inst $o_op $o_exp"; fi ;;
  release)
    if [ $ours = yes ]; then rm -rf -- "$dir" || exit 3; fi
    echo released ;;
esac
`

export type LeaseReply =
  | { kind: 'granted'; now: number; expiry: number }
  | { kind: 'held' | 'lost'; now: number; instanceId: string; operationId: string; expiry: number }
  | { kind: 'released' }
  | { kind: 'busy' }

/** Parses the script's one line; undefined when it is not one of the known answers. */
export function parseLeaseReply(stdout: string): LeaseReply | undefined {
  const words = stdout.trim().split(/\s+/)
  const num = (w: string | undefined) => (w !== undefined && /^[0-9]+$/.test(w) ? Number(w) : undefined)
  switch (words[0]) {
    case 'granted': {
      const now = num(words[1])
      const expiry = num(words[2])
      return words.length === 3 && now !== undefined && expiry !== undefined ? { kind: 'granted', now, expiry } : undefined
    }
    case 'held':
    case 'lost': {
      const now = num(words[1])
      const expiry = num(words[4])
      if (words.length !== 5 || now === undefined || expiry === undefined) return undefined
      return { kind: words[0], now, instanceId: words[2]!, operationId: words[3]!, expiry }
    }
    case 'released':
    case 'busy':
      return words.length === 1 ? { kind: words[0] } : undefined
    default:
      return undefined
  }
}
