// What the wizards propose for a MariaDB member: its datadir (ReplicaDesk's own plain layout
// keeps one per member under /srv/mariadb; Debian's server has /var/lib/mysql and nothing to
// choose) and a port no member of the cluster uses on that host. Suggestions only.
import { DEBIAN_DATADIR, MARIADB_DEFAULT_PORT, type MariaCluster } from '../../../shared/mariadb'
import { freePort } from './suggest'

/** `/srv/mariadb/<member>` for the plain layout, Debian's /var/lib/mysql for the Debian one. */
export function mariaDataDir(layout: 'plain' | 'debian', member: string): string {
  return layout === 'debian' ? DEBIAN_DATADIR : `/srv/mariadb/${member.trim() || 'db1'}`
}

/** 3306, or the next port up that no member of the cluster uses on the host. */
export function mariaPort(host: string, cluster?: Pick<MariaCluster, 'members'> | null): string {
  const used = cluster?.members.filter((m) => m.host === host).map((m) => m.port) ?? []
  return String(freePort(used, MARIADB_DEFAULT_PORT))
}

/** The next member name in the cluster's pattern (db1 → db2; a name without a number gets one). */
export function nextMariaMember(cluster: Pick<MariaCluster, 'members'>): string {
  const taken = new Set(cluster.members.map((m) => m.name))
  const first = cluster.members[0]?.name ?? 'db1'
  const base = /^(.*?)(\d+)$/.exec(first)?.[1] ?? first
  for (let n = 1; ; n++) if (!taken.has(`${base}${n}`)) return `${base}${n}`
}
