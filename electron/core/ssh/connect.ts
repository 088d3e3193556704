// Opens one ssh2 connection: host key checked through the async hostVerifier (anything but a
// clear yes refuses), auth from the plan, keepalive and handshake timeouts set explicitly,
// and an 'error' listener for the whole life of the client.
import type { Duplex } from 'node:stream'
import ssh2 from 'ssh2'

// ssh2 is CommonJS: take its classes from the default export (named ESM imports fail in Node).
const { Client } = ssh2
import { AppError } from '../../../shared/errors'
import { authHandler, type AuthPlan } from './auth'
import { hostKeyAlgorithms } from './fingerprint'
import type { HostKeyChecker, HostKeyDecision, PresentedKey } from './host-keys'
import { Session } from './session'
import type { ResolvedTarget } from './target'

export interface Timing {
  /** Handshake + auth limit. */
  readyTimeoutMs: number
  /** Keepalive period and how many may go unanswered; a cut link is noticed after about interval × (countMax + 1). */
  keepaliveIntervalMs: number
  keepaliveCountMax: number
  channelLimit: number
}

export const DEFAULT_TIMING: Timing = { readyTimeoutMs: 10_000, keepaliveIntervalMs: 400, keepaliveCountMax: 3, channelLimit: 8 }

export interface ConnectResult {
  session: Session
}

const unreachableCodes: Record<string, string> = {
  ECONNREFUSED: 'nothing listens on that port (is sshd running?)',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'the connection timed out',
  ENOTFOUND: 'the name does not resolve',
  EAI_AGAIN: 'the name could not be resolved right now',
  ECONNRESET: 'the connection was reset',
}

export function connectionError(target: ResolvedTarget, err: Error & { level?: string; code?: string }, tried: string[], notes: string[]): AppError {
  const base = { host: target.address, port: target.port, user: target.user }
  if (err.level === 'client-authentication') {
    const list = [...tried, ...notes]
    return new AppError('ssh_auth', `${target.user}@${target.address}:${target.port} refused every login method. Tried: ${list.length ? list.join('; ') : 'nothing (no agent, no key file)'}. ${target.usePassword ? 'Check the user name and the password.' : 'Check the user name and that the key is in ~/.ssh/authorized_keys of that user.'}`, { ...base, tried: list })
  }
  if (err.level === 'client-timeout' || /timed out/i.test(err.message)) {
    return new AppError('ssh_timeout', `${target.label} did not answer in time (${err.message}). Is the host up and reachable?`, base)
  }
  const why = (err.code && unreachableCodes[err.code]) ?? err.message
  return new AppError('ssh_connect', `Cannot connect to ${target.label}: ${why}.`, { ...base, cause: err.code ?? err.message })
}

export interface OpenOptions {
  target: ResolvedTarget
  sock?: Duplex
  plan: AuthPlan
  checker: HostKeyChecker
  timing: Timing
  onLost: (session: Session, why: AppError) => void
}

/** Resolves with a ready Session, or rejects with a mapped AppError (host key, auth, network). */
export async function openSession(o: OpenOptions): Promise<Session> {
  const { target, timing } = o
  let types: string[]
  try {
    types = await o.checker.knownTypes(target.address, target.port)
  } catch (err) {
    throw new AppError('ssh_connect', `Could not check the host key of ${target.address}:${target.port} (${(err as Error).message}); refusing to connect.`, { host: target.address, port: target.port })
  }
  const client = new Client()
  const tried: string[] = []
  const authNotes: string[] = []
  let decision: HostKeyDecision | undefined
  let presented: PresentedKey | undefined
  let session: Session | undefined

  return await new Promise<Session>((resolve, reject) => {
    let settled = false
    const fail = (e: AppError) => {
      if (settled) return
      settled = true
      client.end()
      reject(e)
    }
    // Kept for the client's whole life: an unhandled ECONNRESET would kill the process.
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (!settled) {
        if (decision && !decision.ok) return fail(decision.error)
        // ssh2 reports a dead agent or a key that cannot sign as an error, then goes on with
        // the next method: note it for the message, do not give up on the connection.
        if (err.level === 'agent' || /^Error (while )?signing/.test(err.message)) {
          authNotes.push(`${err.level === 'agent' ? 'agent' : 'key'}: ${err.message}`)
          return
        }
        return fail(connectionError(target, err, tried, [...authNotes, ...o.plan.notes]))
      }
      if (session) {
        const why = /keepalive/i.test(err.message)
          ? new AppError('ssh_connect', `${target.label} stopped answering (no reply to ${timing.keepaliveCountMax + 1} keepalives ${timing.keepaliveIntervalMs} ms apart): host down or network cut.`, { host: target.address, port: target.port })
          : connectionError(target, err, tried, [])
        session.markEnded(why)
        o.onLost(session, why)
      }
    })
    client.on('close', () => {
      if (!settled) {
        if (decision && !decision.ok) return fail(decision.error)
        return fail(new AppError('ssh_connect', `${target.label} closed the connection during the handshake.`, { host: target.address, port: target.port }))
      }
      if (session && !session.closed) {
        const why = new AppError('ssh_connect', `The connection to ${target.label} was closed.`, { host: target.address, port: target.port })
        session.markEnded(why)
        o.onLost(session, why)
      }
    })
    // Small SSH packets (exec request, EOF, close) must not wait for Nagle + delayed ACK:
    // without this every command costs ~40 ms extra; with it, a few ms.
    client.on('connect', () => client.setNoDelay(true))
    client.on('ready', () => {
      if (settled) return
      settled = true
      session = new Session(client, target, presented!, timing.channelLimit)
      resolve(session)
    })
    try {
      client.connect({
        host: target.address,
        port: target.port,
        username: target.user,
        sock: o.sock as never,
        readyTimeout: timing.readyTimeoutMs,
        keepaliveInterval: timing.keepaliveIntervalMs,
        keepaliveCountMax: timing.keepaliveCountMax,
        algorithms: { serverHostKey: hostKeyAlgorithms(types) as never },
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
          o.checker.check(target.address, target.port, key).then(
            (d) => {
              decision = d
              presented = d.key
              verify(d.ok)
            },
            () => verify(false),
          )
        },
        authHandler: authHandler(o.plan, tried) as never,
      } as never)
    } catch (err) {
      fail(new AppError('ssh_connect', `Cannot connect to ${target.label}: ${(err as Error).message}`, { host: target.address, port: target.port }))
    }
  })
}

/**
 * The trust flow: handshake only as far as the host key, then hang up. Returns the key the
 * host presents right now and what the checker says about it.
 */
export async function presentedHostKey(target: ResolvedTarget, sock: Duplex | undefined, checker: HostKeyChecker, timing: Timing): Promise<HostKeyDecision> {
  const client = new Client()
  return await new Promise<HostKeyDecision>((resolve, reject) => {
    let decision: HostKeyDecision | undefined
    const finish = () => {
      if (decision) resolve(decision)
      else reject(new AppError('ssh_connect', `${target.label} closed the connection before showing its host key.`, { host: target.address, port: target.port }))
    }
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (decision) resolve(decision)
      else reject(connectionError(target, err, [], []))
    })
    client.on('close', finish)
    client.connect({
      host: target.address,
      port: target.port,
      username: target.user,
      sock: sock as never,
      readyTimeout: timing.readyTimeoutMs,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        checker.check(target.address, target.port, key).then((d) => {
          decision = d
          verify(false) // never go further than the key
        }, () => verify(false))
      },
    } as never)
  }).finally(() => client.end())
}
