// Sends a signal to the process behind an exec channel (OpenSSH: killpg of the session's
// process group, as the login user). ssh2's `channel.signal()` sends nothing once stdin was
// ended, which every command's channel is at once (exec.ts ends it to give EOF); sshd takes
// the request until the channel is closed, so it is sent here through the same protocol call.
import type { ClientChannel } from 'ssh2'

interface ChannelInternals {
  outgoing?: { id: number; state: string }
  _client?: { _protocol?: { signal(id: number, name: string): void } }
}

export function signalChannel(channel: ClientChannel, name: 'TERM' | 'KILL'): void {
  const c = channel as unknown as ChannelInternals
  try {
    if (c.outgoing && (c.outgoing.state === 'open' || c.outgoing.state === 'eof')) c._client?._protocol?.signal(c.outgoing.id, name)
    else channel.signal(name)
  } catch {
    // not supported by every server; closing the channel is what counts
  }
}
