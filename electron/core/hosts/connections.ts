// Connection state per host record, for the UI: the SSH pool knows connections by their key
// (user@address:port via …); this maps them back to the records the user named.
import { toErrorData } from '../../../shared/errors'
import type { Host } from '../../../shared/hosts'
import type { HostConnection } from '../../../shared/ssh'
import type { HostState, SshService } from '../ssh'
import { targetOf } from './targets'

function view(name: string, state: HostState): HostConnection {
  const out: HostConnection = { name, state: state.state, since: state.since }
  if (state.reason) out.reason = state.reason
  if (state.error) out.error = state.error
  return out
}

/** The state of every record; a record that cannot become a target says why. */
export async function connectionsOf(ssh: SshService, hosts: readonly Host[]): Promise<HostConnection[]> {
  return Promise.all(
    hosts.map(async (h) => {
      try {
        return view(h.name, await ssh.state(targetOf(h, hosts)))
      } catch (err) {
        const error = toErrorData(err)
        return { name: h.name, state: 'idle' as const, reason: error.message, error, since: new Date().toISOString() }
      }
    }),
  )
}

/** Calls `emit` with the record view whenever a record's connection changes state. */
export function watchConnections(ssh: SshService, listHosts: () => Promise<Host[]>, emit: (c: HostConnection) => void): () => void {
  return ssh.onState((changed) => {
    void (async () => {
      const hosts = await listHosts()
      for (const h of hosts) {
        const state = await ssh.state(targetOf(h, hosts)).catch(() => undefined)
        if (state?.key === changed.key) emit(view(h.name, changed))
      }
    })().catch(() => undefined) // a record list that cannot be read is reported by host.list
  })
}
