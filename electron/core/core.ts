// The core: one per process (desktop, headless server or standalone CLI). It owns the data
// dir, the SSH connections and the handlers behind every contract method.
import { mkdir } from 'node:fs/promises'
import { ActivityLog } from './activity'
import { createDispatch, type Dispatch, type Handlers } from './dispatch'
import { CoreEvents } from './events'
import { connectionsOf, watchConnections } from './hosts/connections'
import { HostsStore } from './hosts/hosts-store'
import { targetOf } from './hosts/targets'
import type { SecretCipher } from './secrets/cipher'
import { RememberedSecrets } from './secrets/remembered-secrets'
import { createSecretBroker } from './secrets/secret-broker'
import { createSshService, type SshService, type SshServiceOptions } from './ssh'
import { sshSettingsFromEnv } from './ssh-settings'
import { version } from './version'

export interface CoreOptions {
  dataDir: string
  /** The OS keychain, for secrets the user asks to remember (desktop only). */
  cipher?: SecretCipher
  /** SSH settings that differ from the user's defaults (~/.ssh/config, known_hosts, agent). */
  ssh?: Omit<SshServiceOptions, 'dataDir' | 'activityLog'>
}

export interface Core {
  dataDir: string
  dispatch: Dispatch
  events: CoreEvents
  ssh: SshService
  close(): Promise<void>
}

export async function createCore(options: CoreOptions): Promise<Core> {
  const { dataDir } = options
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const events = new CoreEvents()
  const hosts = new HostsStore(dataDir)
  const activity = new ActivityLog({ dataDir })
  await activity.load()
  const secrets = createSecretBroker({
    remembered: new RememberedSecrets(dataDir, options.cipher),
    emit: (request) => events.emit('secretRequested', request),
    emitDone: (id) => events.emit('secretSettled', { id }),
  })
  const ssh = createSshService({ ...sshSettingsFromEnv(), secretPrompt: secrets.prompt, ...options.ssh, dataDir, activityLog: activity })
  const stopActivity = activity.onEntry((entry) => events.emit('activity', entry))
  const stopConnections = watchConnections(ssh, () => hosts.list(), (c) => events.emit('hostConnection', c))

  // Every change republishes the full list: small, and a client that missed an event heals.
  const publishHosts = async <T>(result: T): Promise<T> => {
    events.emit('hostsChanged', { hosts: await hosts.list() })
    return result
  }
  const targetNamed = async (name: string) => {
    const all = await hosts.list()
    return targetOf(await hosts.get(name), all)
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
      test: async ({ name }) => ({ ...(await ssh.test(await targetNamed(name))), name }),
      trust: async ({ name, fingerprint }) => {
        const key = await ssh.trust(await targetNamed(name), fingerprint)
        return { name, fingerprint: key.fingerprint, keyType: key.keyType, addedAt: key.addedAt }
      },
      connections: async () => connectionsOf(ssh, await hosts.list()),
      importable: () => ssh.listConfigHosts(),
    },
    secret: {
      pending: async () => secrets.pending(),
      answer: async ({ id, value, remember }) => {
        await secrets.answer(id, value, remember)
        return { answered: id }
      },
    },
    activity: {
      list: async ({ limit, host }) => activity.list({ limit, host }),
    },
  }

  return {
    dataDir,
    dispatch: createDispatch(handlers),
    events,
    ssh,
    close: async () => {
      stopConnections()
      stopActivity()
      await ssh.close()
      await activity.flush()
    },
  }
}
