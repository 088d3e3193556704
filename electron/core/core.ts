// The core: one per process (desktop, headless server or standalone CLI). It owns the data
// dir and the handlers behind every contract method.
import { mkdir } from 'node:fs/promises'
import { createDispatch, type Dispatch, type Handlers } from './dispatch'
import { CoreEvents } from './events'
import { HostsStore } from './store/hostsStore'
import { version } from './version'

export interface CoreOptions {
  dataDir: string
}

export interface Core {
  dataDir: string
  dispatch: Dispatch
  events: CoreEvents
  close(): Promise<void>
}

export async function createCore(options: CoreOptions): Promise<Core> {
  const { dataDir } = options
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const events = new CoreEvents()
  const hosts = new HostsStore(dataDir)

  // Every change republishes the full list: small, and a client that missed an event heals.
  const publishHosts = async <T>(result: T): Promise<T> => {
    events.emit('hostsChanged', { hosts: await hosts.list() })
    return result
  }

  const handlers: Handlers = {
    app: {
      info: async () => ({ name: 'ReplicaDesk' as const, version, dataDir }),
    },
    host: {
      list: () => hosts.list(),
      add: (input) => hosts.add(input).then(publishHosts),
      edit: (input) => hosts.edit(input).then(publishHosts),
      remove: ({ name }) => hosts.remove(name).then(() => publishHosts({ removed: name })),
    },
  }

  return {
    dataDir,
    dispatch: createDispatch(handlers),
    events,
    close: async () => {},
  }
}
