// Is a TCP port open, refused, or silent? From the machine (Node socket) or from inside a host.
import { connect } from 'node:net'
import { exec } from './exec'
import type { Lab, LabHost } from './state'

export type PortState = 'open' | 'refused' | 'timeout' | 'unreachable'

/** From the machine (the test process's own netns). */
export function probePort(address: string, port: number, timeoutMs = 1000): Promise<PortState> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port })
    const done = (state: PortState) => {
      socket.destroy()
      resolve(state)
    }
    socket.setTimeout(timeoutMs, () => done('timeout'))
    socket.once('connect', () => done('open'))
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done(err.code === 'ECONNREFUSED' ? 'refused' : err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH' ? 'unreachable' : 'timeout'),
    )
  })
}

/** From inside host `from`, with bash's /dev/tcp (no client tools needed on the host). */
export async function probePortFrom(from: string | LabHost, address: string, port: number, opts: { timeoutS?: number; lab?: Lab } = {}): Promise<PortState> {
  const script = 'exec 3<>"/dev/tcp/$0/$1"'
  const r = await exec(from, ['timeout', String(opts.timeoutS ?? 1), 'bash', '-c', script, address, String(port)], { lab: opts.lab })
  if (r.code === 0) return 'open'
  if (r.code === 124) return 'timeout'
  if (/refused/i.test(r.stderr)) return 'refused'
  if (/unreachable|no route/i.test(r.stderr)) return 'unreachable'
  return 'timeout'
}
