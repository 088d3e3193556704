// ~/.ssh/config for the service: read again when the file changes (looked at no more than
// once a second, so a burst of commands does not stat it each time), and its Host entries as
// hosts the user may import, each with the reason it cannot be imported as is, if any.
import { stat } from 'node:fs/promises'
import type SSHConfig from 'ssh-config'
import { configAliases, hostSettings, loadSshConfig, type ConfigContext } from './ssh-config'
import { resolveTarget } from './target'

export interface ConfigHost {
  alias: string
  address?: string
  port: number
  user?: string
  identityFiles: string[]
  proxyJump?: string
  /** Why it cannot be imported as is, if it cannot. */
  problem?: string
}

/** The config as of now (re-read when its mtime changed). */
export function configLoader(configPath: string, ctx: ConfigContext): () => Promise<SSHConfig> {
  let config: { at: number; mtime: number; value: SSHConfig } | undefined
  return async () => {
    const now = Date.now()
    if (config && now - config.at < 1000) return config.value
    const mtime = await stat(configPath).then((s) => s.mtimeMs, () => 0)
    if (!config || config.mtime !== mtime) config = { at: now, mtime, value: await loadSshConfig(configPath, ctx) }
    else config.at = now
    return config.value
  }
}

export function configHosts(cfg: SSHConfig, ctx: ConfigContext): ConfigHost[] {
  return configAliases(cfg).map((alias): ConfigHost => {
    try {
      const s = hostSettings(cfg, alias, ctx)
      const entry: ConfigHost = { alias, address: s.hostName ?? alias, port: s.port ?? 22, user: s.user, identityFiles: s.identityFiles, proxyJump: s.proxyJump }
      try {
        resolveTarget({ address: alias }, cfg, ctx)
      } catch (err) {
        entry.problem = (err as Error).message
      }
      return entry
    } catch (err) {
      return { alias, port: 22, identityFiles: [], problem: (err as Error).message }
    }
  })
}
