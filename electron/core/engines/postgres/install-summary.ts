// The plain sentences an install plan opens with (pure): what is installed, what apt downloads,
// what happens to Debian's default main cluster, that no data is touched.
import type { InstallParams } from './install'
import { about } from './plan-words'

/** A mirror on a home connection: the download estimate's rate. */
const DOWNLOAD_BYTES_PER_SECOND = 10e6

export function installSummary(p: InstallParams): string[] {
  const download = p.downloadBytes === null ? 'apt could not tell how much it downloads' : `apt downloads ${(p.downloadBytes / 1e6).toFixed(1)} MB, ${about(p.downloadBytes / DOWNLOAD_BYTES_PER_SECOND)} at 10 MB/s, plus the time to unpack`
  const main = p.mainExisted
    ? `The main cluster of PostgreSQL ${p.major} that is there already stays as it is.`
    : p.method === 'conf'
      ? 'No default main cluster is created: create_main_cluster = false is written to createcluster.conf before the install (host clean takes it out again).'
      : 'The empty main cluster the package creates is removed right after the install (only when it holds no database of its own).'
  return [`PostgreSQL ${p.major} is installed on ${p.host} from the distribution's packages (sudo -n apt-get install -y postgresql-${p.major}); ${download}.`, main, 'No server is started and no data dir is touched: nothing can be lost.']
}
