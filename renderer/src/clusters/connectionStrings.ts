// Where apps connect: the service address (any client), and strings that find the primary by
// themselves for clients that support several hosts. One line each on who supports what.
import type { PgCluster } from '../../../shared/postgres'

export interface ConnectionString {
  id: string
  label: string
  value: string
  note: string
}

const hostPart = (address: string) => (address.includes(':') ? `[${address}]` : address)

export function connectionStrings(c: PgCluster, db = 'DBNAME', user = 'USER'): ConnectionString[] {
  const out: ConnectionString[] = []
  const port = c.members[0]?.port ?? 5432
  if (c.serviceAddress) {
    out.push({ id: 'service', label: 'Service address (any client)', value: `postgresql://${user}@${c.serviceAddress.address}:${port}/${db}`, note: 'Always the primary: every switchover and failover moves it. node-postgres, Home Assistant, Gitea, Nextcloud… use this one.' })
  }
  const hosts = c.members.map((m) => `${hostPart(m.address)}:${m.port}`).join(',')
  out.push({ id: 'libpq', label: 'libpq multi-host', value: `postgresql://${user}@${hosts}/${db}?target_session_attrs=read-write`, note: 'The client tries each host and keeps the one that accepts writes: psql, psycopg, PHP PDO pgsql, anything on libpq 10+. node-postgres does not support it.' })
  out.push({ id: 'jdbc', label: 'JDBC', value: `jdbc:postgresql://${hosts}/${db}?targetServerType=primary`, note: 'PostgreSQL JDBC driver 42.2+.' })
  return out
}
