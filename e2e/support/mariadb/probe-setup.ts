// Access for the MariaDB write probe on a lab cluster (test code): the table rd_probe.writes and
// the user rdprobe@'%' with a new random password, made on the primary (both replicate), granted
// SELECT and INSERT on that database only: no SUPER, no READ_ONLY ADMIN, nothing that bypasses
// read_only (that is the point: read_only must stop it). Setup refuses to go on when the user
// somehow has such a privilege, and waits until every member has the user.
import { randomBytes } from 'node:crypto'
import { readLab, type Lab } from '../../lab'
import type { ProbeMember } from '../../probe/types'
import { mariadbSql } from './lab'
import { PROBE_DATABASE, PROBE_TABLE, PROBE_USER } from './probe-connect'

/** A member as the lab sees it: `host` is the lab host it runs on, `socket` its server's Unix socket. */
export interface MariaProbeMember extends ProbeMember {
  host: string
  socket: string
}

/** Runs SQL as root on the member's socket; its output (tab-separated rows). */
export type RunMariaSql = (m: MariaProbeMember, sql: string) => Promise<string>

export const labMariaSql =
  (lab: Lab = readLab()): RunMariaSql =>
  (m, sql) =>
    mariadbSql(lab, m.host, sql, { socket: m.socket, timeoutMs: 15_000 })

export interface MariaProbeSetupOptions {
  members: MariaProbeMember[]
  /** Name of the member that is primary now. */
  primary: string
  sql?: RunMariaSql
  lab?: Lab
  /** How long to wait for the user to reach every member. Default 10 s. */
  replicateTimeoutMs?: number
}

export interface MariaProbeAccess {
  password: string
  members: ProbeMember[]
  /** Drops the user and the table on the primary (then on every member through replication). */
  teardown(primary?: string): Promise<void>
}

/** Privileges that would let the probe write through read_only. */
const BYPASS = /\b(ALL PRIVILEGES|SUPER|READ[_ ]ONLY ADMIN)\b/i

const user = `'${PROBE_USER}'@'%'`

export async function setupMariaProbe(o: MariaProbeSetupOptions): Promise<MariaProbeAccess> {
  const sql = o.sql ?? labMariaSql(o.lab)
  const primary = o.members.find((m) => m.name === o.primary)
  if (!primary) throw new Error(`setupMariaProbe: ${o.primary} is not one of the members`)
  const password = randomBytes(18).toString('hex')
  const grants = await sql(
    primary,
    `CREATE DATABASE IF NOT EXISTS ${PROBE_DATABASE};
CREATE TABLE IF NOT EXISTS ${PROBE_TABLE} (id BIGINT UNSIGNED PRIMARY KEY, member VARCHAR(64) NOT NULL, at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB;
CREATE USER IF NOT EXISTS ${user} IDENTIFIED BY '${password}';
ALTER USER ${user} IDENTIFIED BY '${password}';
GRANT SELECT, INSERT ON ${PROBE_DATABASE}.* TO ${user};
SHOW GRANTS FOR ${user};`,
  ).catch((err: Error) => {
    throw new Error(`setupMariaProbe on ${primary.name} (${primary.host}): ${err.message} (is it the writable primary?)`)
  })
  if (BYPASS.test(grants)) throw new Error(`setupMariaProbe: ${PROBE_USER} has a privilege that bypasses read_only on ${primary.name}: ${grants}. Drop the user and run again.`)
  // The password changed on the primary: wait until each member has this very hash.
  const deadline = performance.now() + (o.replicateTimeoutMs ?? 10_000)
  const want = await sql(primary, `SELECT PASSWORD('${password}')`)
  for (const m of o.members) {
    for (;;) {
      const got = await sql(m, `SELECT JSON_VALUE(Priv, '$.authentication_string') FROM mysql.global_priv WHERE User = '${PROBE_USER}' AND Host = '%'`).catch((e: Error) => e.message)
      const table = await sql(m, `SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${PROBE_DATABASE}' AND TABLE_NAME = 'writes'`).catch(() => '0')
      if (got === want && table === '1') break
      if (performance.now() > deadline) throw new Error(`setupMariaProbe: ${m.name} (${m.host}) does not have ${PROBE_USER} with the new password and ${PROBE_TABLE} after ${o.replicateTimeoutMs ?? 10_000} ms (last answer: ${got}). Does it replicate from ${primary.name}?`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  return {
    password,
    members: o.members.map(({ name, address, port }) => ({ name, address, port })),
    teardown: async (now = o.primary) => {
      const m = o.members.find((x) => x.name === now)!
      await sql(m, `DROP USER IF EXISTS ${user}; DROP DATABASE IF EXISTS ${PROBE_DATABASE};`)
    },
  }
}
