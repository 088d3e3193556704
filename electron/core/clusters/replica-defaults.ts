// A new replica in the cluster's own pattern (what the Add-replica wizard would suggest from the
// same facts): the primary's layout, Debian name and port; its data dir, with the new member's
// name in place of the primary's when the primary's dir is named after it
// (/var/lib/postgresql/15/db1 → …/db3), else the same path. A port or data dir the host already
// runs (detected) or another cluster's member uses there moves on: port + 1, dir-2.
import type { PgMember, PgMemberInput } from '../../../shared/postgres'

export interface HostFacts {
  name: string
  address: string
  access: PgMember['access']
}

export interface Taken {
  ports: readonly number[]
  dataDirs: readonly string[]
}

export function newMemberLike(template: PgMember, name: string, host: HostFacts, taken: Taken, sync: boolean): PgMemberInput {
  const dir = template.dataDir.replace(/\/+$/, '')
  const cut = dir.lastIndexOf('/')
  const base = cut > 0 && dir.slice(cut + 1) === template.name ? `${dir.slice(0, cut)}/${name}` : dir
  let dataDir = base
  for (let n = 2; taken.dataDirs.includes(dataDir); n++) dataDir = `${base}-${n}`
  let port = template.port
  while (taken.ports.includes(port)) port++
  return {
    name,
    host: host.name,
    address: host.address,
    access: host.access,
    port,
    dataDir,
    layout: template.layout,
    debianName: template.debianName,
    sync,
    ...(template.binDir && { binDir: template.binDir }),
    socketDir: template.socketDir,
  }
}
