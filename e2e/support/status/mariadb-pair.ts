// Test code (lab tests and benches), not used by the app: a MariaDB primary and a GTID replica
// made by hand with SQL on two lab hosts (plain servers of e2e/support/mariadb), the admin
// login allowed to read status (unix_socket, SLAVE MONITOR …) and a cluster record of the two.
import type { Lab, LabHost } from '../../lab'
import { plainMariaDb, type PlainMariaDb } from '../mariadb/lab'
import { mariaCluster, type MariaCluster } from '../../../shared/mariadb'

export interface MariaPair {
  primary: PlainMariaDb
  replica: PlainMariaDb
  /** The record of the two (db1 on the first host, db2 on the second). */
  record(id: string): MariaCluster
  /** Stops both servers and removes their datadirs. */
  remove(): Promise<void>
}

const REPL_PASSWORD = 'rd-status-test-only'

/** Server options of a member: binary log, GTID strict mode, as the product's members run. */
const args = (serverId: number) => [`--server-id=${serverId}`, '--log-bin=binlog', '--binlog-format=ROW', '--log-slave-updates=ON', '--gtid-strict-mode=ON', '--innodb-buffer-pool-size=32M', '--skip-name-resolve']

export async function makeMariaPair(lab: Lab, hosts: [LabHost, LabHost], o: { port: number; dataDir: string }): Promise<MariaPair> {
  const [h1, h2] = hosts
  const [primary, replica] = await Promise.all([plainMariaDb(lab, h1, { port: o.port, dataDir: o.dataDir, args: args(1) }), plainMariaDb(lab, h2, { port: o.port, dataDir: o.dataDir, args: args(2) })])
  const remove = async () => void (await Promise.all([primary.remove(), replica.remove()]))
  try {
    const admin = `'${lab.users.admin}'@'localhost'`
    await primary.sql(
      `CREATE USER 'rd_repl'@'%' IDENTIFIED BY '${REPL_PASSWORD}'; GRANT REPLICATION SLAVE ON *.* TO 'rd_repl'@'%';
       CREATE USER ${admin} IDENTIFIED VIA unix_socket; GRANT SLAVE MONITOR, BINLOG MONITOR, PROCESS ON *.* TO ${admin};
       CREATE DATABASE t; CREATE TABLE t.a (id INT PRIMARY KEY); INSERT INTO t.a VALUES (1), (2);`,
    )
    // The replica gets the users and the table through replication (its own binlog stays empty).
    await replica.sql(`SET GLOBAL read_only = ON; CHANGE MASTER TO MASTER_HOST = '${h1.address}', MASTER_PORT = ${o.port}, MASTER_USER = 'rd_repl', MASTER_PASSWORD = '${REPL_PASSWORD}', MASTER_USE_GTID = slave_pos; START SLAVE;`)
    // Status should start once the replica has the login (an account refused is retried only every 10 s).
    const until = Date.now() + 10_000
    while ((await replica.sql(`SELECT COUNT(*) FROM mysql.global_priv WHERE User = '${lab.users.admin}'`)) !== '1') {
      if (Date.now() > until) throw new Error(`${h2.name}: the replica did not get ${admin} through replication within 10 s: ${await replica.sql('SHOW SLAVE STATUS\\G')}`)
      await new Promise((res) => setTimeout(res, 100))
    }
  } catch (err) {
    await remove().catch(() => {})
    throw err
  }
  return {
    primary,
    replica,
    record: (id) =>
      mariaCluster.parse({
        engine: 'mariadb',
        id,
        members: [
          { name: 'db1', host: h1.name, address: h1.address, port: o.port, dataDir: o.dataDir, serverId: 1, socket: primary.socket },
          { name: 'db2', host: h2.name, address: h2.address, port: o.port, dataDir: o.dataDir, serverId: 2, socket: replica.socket },
        ],
      }),
    remove,
  }
}
