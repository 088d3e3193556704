// The one place that decides where ReplicaDesk keeps its files (node builtins only: the CLI's
// thin status path loads it). data-dir-access.ts checks that the folder can be used.
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

export interface DataDirSources {
  /** `--data-dir` from the command line. */
  flag?: string
  /** Electron's app.getPath('userData'), passed in by electron/main. */
  electronUserData?: string
  env?: NodeJS.ProcessEnv
  platform?: NodeJS.Platform
  home?: string
}

export function resolveDataDir(sources: DataDirSources = {}): string {
  const env = sources.env ?? process.env
  if (sources.flag) return resolve(sources.flag)
  if (env.REPLICADESK_DATA_DIR) return resolve(env.REPLICADESK_DATA_DIR)
  if (sources.electronUserData) return sources.electronUserData
  const home = sources.home ?? homedir()
  switch (sources.platform ?? process.platform) {
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'ReplicaDesk')
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'ReplicaDesk')
    default:
      return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'ReplicaDesk')
  }
}
