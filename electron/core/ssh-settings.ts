// SSH settings from the environment, for setups that keep their SSH files elsewhere (and for
// the tests, which point ReplicaDesk at the lab's files): REPLICADESK_SSH_CONFIG is the
// ~/.ssh/config to read, REPLICADESK_KNOWN_HOSTS a list of known_hosts files.
import { delimiter } from 'node:path'
import type { SshServiceOptions } from './ssh'

export function sshSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<SshServiceOptions> {
  const settings: Partial<SshServiceOptions> = {}
  if (env.REPLICADESK_SSH_CONFIG) settings.sshConfigPath = env.REPLICADESK_SSH_CONFIG
  if (env.REPLICADESK_KNOWN_HOSTS) settings.knownHostsPaths = env.REPLICADESK_KNOWN_HOSTS.split(delimiter).filter(Boolean)
  return settings
}
