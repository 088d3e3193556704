// The remote side: constant sh scripts (values only as $1, $2 …) and one way to run them on a
// member with a deadline that also covers connecting and queueing, and errors that name the
// host record. Root commands run as `sudo -n ip …` inside the script, not through the SSH
// layer's sudo option: that one runs `sudo timeout … ip`, which a sudo rule limited to ip and
// arping does not allow.
import { AppError, toErrorData } from '../../../shared/errors'
import type { Arg, ExecOptions, ExecResult } from '../ssh'

/** How commands reach a member; engines' HostExec (engines/host-exec.ts) is one. */
export interface AddressExec {
  exec(host: string, argv: readonly Arg[], opts?: ExecOptions): Promise<ExecResult>
}

// Every exit code comes back to us: the scripts' own codes say what went wrong.
const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i)

// Shared head: sudo's secure_path (so `ip` and `arping` are the files the sudo rule names),
// C messages to match on, and `su` = how to become root (nothing for a root login).
const HEAD = `PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export LC_ALL=C
su=; [ "$(id -u)" = 0 ] || su='sudo -n'
`

/** Exit codes of the scripts below. */
export const EXIT = { ipFailed: 11, noArping: 12, noInterface: 13 } as const

// $1 iface, $2 address, $3 prefix. Adds the address unless the interface has it (any prefix),
// then announces it: 3 gratuitous ARPs 1 s apart. Detached (stdio closed, so the SSH channel
// ends at once): `arping -U -c 1` itself waits 1 s after its packet. Each packet goes out only
// while this host still has the address, so a host that released it right after taking it
// never pulls the neighbours back from the next holder.
export const ACQUIRE_SCRIPT = `${HEAD}echo "user $(id -un)"
command -v arping >/dev/null 2>&1 || { echo 'arping: not found' >&2; exit 12; }
cur=$(ip -o -4 addr show dev "$1" 2>&1) || { printf '%s\\n' "$cur" >&2; exit 13; }
case $cur in
  *" inet $2/"*) echo present ;;
  *) if err=$($su ip -4 addr add "$2/$3" dev "$1" 2>&1); then echo added
     else case $err in *'already assigned'*|*'File exists'*) echo present ;; *) printf '%s\\n' "$err" >&2; exit 11 ;; esac; fi ;;
esac
(for i in 1 2 3; do
  case $(ip -o -4 addr show dev "$1") in *" inet $2/"*) ;; *) exit 0 ;; esac
  timeout -k 1 3 $su arping -q -U -c 1 -I "$1" "$2"
done) </dev/null >/dev/null 2>&1 &
echo announced`

// $1 iface (where it is expected), $2 address. Removes it from every interface that has it, so
// it is never left anywhere on the host; absent is fine.
export const RELEASE_SCRIPT = `${HEAD}echo "user $(id -un)"
ip -o -4 addr show | while read -r _n dev _fam cidr _rest; do
  [ "\${cidr%/*}" = "$2" ] || continue
  dev=\${dev%%@*}
  if err=$($su ip -4 addr del "$cidr" dev "$dev" 2>&1); then echo "removed $dev $cidr"
  else case $err in *'Address not found'*|*'Cannot assign'*) ;; *) printf '%s\\n' "$err" >&2; exit 11 ;; esac; fi
done`

// $1 iface, $2 address. iputils: exit 0 = no reply (free), 1 = a reply (in use), 2 = error.
export const PROBE_SCRIPT = `${HEAD}command -v arping >/dev/null 2>&1 || { echo 'arping: not found' >&2; exit 12; }
exec $su arping -D -c 2 -w 3 -I "$1" "$2"`

export const HOLDERS_SCRIPT = `PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
exec ip -o -4 addr show`

export const sh = (script: string, ...args: string[]): string[] => ['sh', '-c', script, 'rd-address', ...args]

/**
 * Runs on a member; rejects with an AppError naming `host` when it fails to run, or when it does
 * not answer within `timeoutMs` (connecting and waiting for a channel included). `after` is added
 * when the outcome is open (no answer, connection lost): for a change, that it may have happened.
 * Exit codes are the caller's.
 */
export async function runOn(exec: AddressExec, host: string, argv: string[], timeoutMs: number, what: string, after = ''): Promise<ExecResult> {
  let timer: NodeJS.Timeout | undefined
  const call = exec.exec(host, argv, { timeoutMs, okExitCodes: ANY_EXIT })
  // The remote `timeout` stops the command; this also covers a host that never opens a channel.
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError('ssh_timeout', `${host} did not answer within ${timeoutMs} ms while ${what}; check that it is up and reachable.${after && ` ${after}`}`, { host, timeoutMs })), timeoutMs)
  })
  call.catch(() => {}) // a failure after the deadline is not unhandled
  try {
    return await Promise.race([call, late])
  } catch (err) {
    const data = toErrorData(err)
    if (err instanceof AppError && data.code === 'ssh_timeout' && data.message.startsWith(`${host} did not answer`)) throw err
    const message = data.message.includes(host) ? data.message : `${host}: ${data.message}`
    // Only a timeout or a lost connection leaves the outcome open; a refused login ran nothing.
    const open = data.code === 'ssh_timeout' || data.code === 'ssh_connect' ? after : ''
    throw new AppError(data.code === 'internal' ? 'command_failed' : data.code, `${message} (while ${what})${open && ` ${open}`}`, { host, cause: data })
  } finally {
    clearTimeout(timer)
  }
}

/** Last lines of stderr, for messages. */
export const tail = (text: string): string => text.trim().split('\n').slice(-3).join(' ').slice(0, 300)
