// A byte stream to a Unix socket on the host over the pooled connection (OpenSSH's
// direct-streamlocal channel, what `ssh -L local:/remote.sock` uses). sshd connects to the
// socket as the login user, so a server on the other end that checks its peer (PostgreSQL's
// peer authentication) sees that user. Forwarded channels are not sessions: they do not count
// against MaxSessions, so they do not take a slot of the channel limiter.
import type { ClientChannel } from 'ssh2'
import type { Duplex } from 'node:stream'
import { z } from 'zod'
import { AppError } from '../../../shared/errors'
import type { Session } from './session'

/** sun_path holds 108 bytes on Linux, including the terminating NUL. */
const MAX_SOCKET_PATH = 107

export const socketPathSchema = z
  .string()
  .min(2)
  .max(MAX_SOCKET_PATH, `A Unix socket path has at most ${MAX_SOCKET_PATH} characters`)
  .regex(/^\/[A-Za-z0-9_./@+:-]*$/, 'Use an absolute path of letters, digits and _ . / @ + : -')
  .refine((p) => !p.split('/').includes('..'), 'The path must not contain ..')

export interface StreamLocalOptions {
  /** Limit for the server to confirm the channel (default: the connect timeout, 10 s). */
  timeoutMs?: number
  /**
   * On a refusal, run a one-line check on the host to say why (default true). Callers that
   * retry often pass false once they know, and get reason 'open_refused'.
   */
  diagnose?: boolean
}

export interface StreamLocal {
  /** Bytes to and from the socket; ends when the socket or the SSH connection closes. */
  stream: Duplex
  /** The login user sshd connected to the socket as (what peer authentication sees). */
  user: string
  /** user@host[:port] for messages. */
  host: string
}

/** Why an open failed, as found on the host afterwards (the server does not say). */
export type SocketCheck = 'socket' | 'stale' | 'socket-denied' | 'dir-denied' | 'not-socket' | 'missing'

// sshd answers "open failed" whether it refused to forward or the socket could not be
// connected to; this check, run as the same login user, tells the cases apart. A socket file
// outlives a crashed server: it counts only when something listens on it (/proc/net/unix of
// the host's network namespace, flag __SO_ACCEPTCON); else it is `stale`.
export const SOCKET_CHECK = String.raw`p=$1 d=$(dirname -- "$1")
listens() {
  # Paths are compared resolved: the server may have bound /var/run/… for our /run/….
  rp=$(readlink -f -- "$p") || return 0
  awk '$4 == "00010000" && $NF ~ /^\// { print $NF }' /proc/net/unix | while IFS= read -r q; do
    [ "$(readlink -f -- "$q" 2>/dev/null)" = "$rp" ] && { echo yes; break; }
  done | grep -q yes
}
if [ -S "$p" ] && [ -r /proc/net/unix ] && ! listens; then echo stale
elif [ -S "$p" ]; then if [ -w "$p" ]; then echo socket; else echo socket-denied; fi
elif [ -d "$d" ] && ! [ -x "$d" ]; then echo dir-denied
elif [ -e "$p" ]; then echo not-socket
else echo missing; fi`

// The open stream-local channels of each connection, told of its loss by ONE 'close' listener
// per connection (hundreds of streams may share one: a listener each would pile up).
const openChannels = new WeakMap<Session, Set<ClientChannel>>()

function track(session: Session, channel: ClientChannel): void {
  let set = openChannels.get(session)
  if (!set) {
    const mine = new Set<ClientChannel>()
    set = mine
    openChannels.set(session, mine)
    // ssh2 ends every channel when the connection drops, but only says "closed": the pool's
    // reason (keepalive unanswered, connection reset …) is handed to each channel's user as
    // an 'error' first. (ssh2's Channel.destroy() takes no error, hence emit.)
    session.client.once('close', () => {
      for (const ch of [...mine]) if (session.closed) ch.emit('error', session.closed)
      mine.clear()
    })
  }
  set.add(channel)
  channel.once('close', () => set.delete(channel))
}

/** Opens the channel; rejects with the server's refusal (caller diagnoses) or a time-out. */
export function openChannel(session: Session, socketPath: string, timeoutMs: number): Promise<ClientChannel> {
  const t = session.target
  return new Promise((resolve, reject) => {
    if (session.closed) return reject(session.closed)
    let done = false
    const timer = setTimeout(() => {
      done = true
      reject(new AppError('ssh_timeout', `${t.label} did not open a stream to ${socketPath} within ${timeoutMs} ms. Is the host overloaded or the network failing?`, { host: t.address, port: t.port, socketPath }))
    }, timeoutMs)
    try {
      session.client.openssh_forwardOutStreamLocal(socketPath, (err, channel) => {
        clearTimeout(timer)
        if (done) {
          channel?.close()
          return
        }
        done = true
        if (err) return reject(session.closed ?? err)
        channel.on('error', () => {}) // reported through close; a stray error must not crash the process
        track(session, channel)
        resolve(channel)
      })
    } catch (e) {
      clearTimeout(timer)
      done = true
      reject(session.closed ?? new AppError('ssh_connect', `The connection to ${t.label} is gone: ${(e as Error).message}`, { host: t.address, port: t.port }))
    }
  })
}

/** The error for a refused open that was not diagnosed. */
export function undiagnosedRefusal(session: Session, socketPath: string, serverMessage: string): AppError {
  const t = session.target
  return new AppError('ssh_connect', `${t.label} could not open a stream to ${socketPath} (${serverMessage}).`, { host: t.address, port: t.port, user: t.user, socketPath, server: serverMessage, reason: 'open_refused' })
}

/**
 * The logins (user@host[:port], jump included) whose sshd forwarded a stream to a Unix socket
 * in this process: proof that sshd allows it for them, so a later refusal is the socket's (a
 * server stopping or overloaded), never "set AllowStreamLocalForwarding". Bounded: oldest out.
 */
export class ForwardingSeen {
  private readonly seen = new Set<string>()
  constructor(private readonly max = 1000) {}
  add(login: string): void {
    this.seen.delete(login)
    this.seen.add(login)
    if (this.seen.size > this.max) this.seen.delete(this.seen.values().next().value!)
  }
  has(login: string): boolean {
    return this.seen.has(login)
  }
}

/** The key ForwardingSeen knows a login by. */
export const forwardingLogin = (session: Session) => `${session.target.label}|${session.target.jump?.label ?? ''}`

/**
 * The error for a refused open, once the socket check ran on the host. `forwardedBefore`: sshd
 * forwarded for this login before (ForwardingSeen), so it is not blamed.
 */
export function refusalError(session: Session, socketPath: string, check: SocketCheck, serverMessage: string, forwardedBefore = false): AppError {
  const t = session.target
  const detail = { host: t.address, port: t.port, user: t.user, socketPath, check, server: serverMessage }
  switch (check) {
    case 'socket':
      if (forwardedBefore) {
        return new AppError(
          'ssh_connect',
          `${socketPath} on ${t.label} refused the connection (${serverMessage}). sshd forwards to Unix sockets for ${t.user} (it did before in this session of ReplicaDesk): the server behind the socket is stopping, restarting or out of connections.`,
          { ...detail, reason: 'socket_refused' },
        )
      }
      return new AppError(
        'ssh_connect',
        `sshd on ${t.label} refused to forward a connection to the Unix socket ${socketPath} (the socket exists). ReplicaDesk reads database status through it: set "AllowStreamLocalForwarding yes" (or "local") in /etc/ssh/sshd_config on ${t.address}, check that DisableForwarding is off and that the key of ${t.user} has no "restrict" or "no-port-forwarding" option in authorized_keys, then reload sshd.`,
        { ...detail, reason: 'stream_local_refused', sshdSetting: 'AllowStreamLocalForwarding' },
      )
    case 'missing':
      return new AppError('ssh_connect', `Nothing listens on ${socketPath} on ${t.label}: the server is not running there (or uses another port or socket directory).`, { ...detail, reason: 'socket_missing' })
    case 'stale':
      return new AppError('ssh_connect', `Nothing listens on ${socketPath} on ${t.label} any more: the server is not running there (it stopped or crashed and left its socket file behind). sshd and forwarding are fine.`, { ...detail, reason: 'socket_missing' })
    case 'socket-denied':
    case 'dir-denied':
      return new AppError('ssh_connect', `${t.user} on ${t.address} may not connect to ${socketPath} (${check === 'dir-denied' ? 'its directory is not searchable' : 'no write permission on the socket'}). Give that user access (e.g. add it to the group that owns the socket directory).`, { ...detail, reason: 'socket_denied' })
    case 'not-socket':
      return new AppError('ssh_connect', `${socketPath} on ${t.label} exists but is not a Unix socket.`, { ...detail, reason: 'not_socket' })
  }
}

export function parseSocketCheck(stdout: string): SocketCheck {
  const v = stdout.trim()
  return (['socket', 'stale', 'socket-denied', 'dir-denied', 'not-socket', 'missing'] as const).find((x) => x === v) ?? 'missing'
}
