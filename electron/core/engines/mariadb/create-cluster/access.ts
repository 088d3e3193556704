// access: the replication user (one account per member address, REPLICATION SLAVE, the
// password's hash sent; the password itself only in the mysql user's 0600 option file on each
// member, over stdin) and a status login for each member host's SSH login (unix_socket,
// monitor grants only), then both tried for real: the replication login over TCP to the
// primary's address, the status login over the socket. The check reads the primary and every
// member's file on every attempt.
import type { Step } from '../../../operations'
import {
  generatePassword,
  loginUser,
  readPassword,
  replicationAccounts,
  replicationAccountsComplete,
  replicationHosts,
  replicationLoginCommand,
  replicationUserSql,
  statusLoginComplete,
  statusLoginGrants,
  statusLoginSql,
  testReplicationLogin,
  writePasswordFile,
  writePasswordFileCommand,
} from '../access'
import type { CreateClusterParams } from '../create-cluster'
import { mariaError } from '../errors'
import { who } from '../model'
import type { MariaNode } from '../node'
import { loginSqlCommand, runSql, runSqlAsLogin, sqlCommand } from '../sql'
import type { CreateClusterOp } from './context'

interface AccessState {
  /** Each member's node with the password its file holds. */
  files: { n: MariaNode; password?: string }[]
  password?: string
  hosts: string[]
  accountsOk: boolean
  /** The SSH logins of the members' hosts whose status login is missing or incomplete on the primary. */
  logins: string[]
  missingLogins: string[]
}

async function readAccess(op: CreateClusterOp): Promise<AccessState> {
  const { c, P, everyone } = op
  const files = await Promise.all(everyone.map(async (n) => ({ n, password: await readPassword(n, c) })))
  // The primary's own file first: it is the one its replicas' were copied from.
  const password = files.find((f) => f.n.name === P.name)?.password ?? files.find((f) => f.password)?.password
  const hosts = await replicationHosts(P, c.members.map((x) => x.address))
  const accountsOk = password !== undefined && replicationAccountsComplete(await replicationAccounts(P, c.replicationUser), hosts, password)
  const logins = [...new Set(await Promise.all(everyone.map((n) => loginUser(n))))]
  const missingLogins: string[] = []
  for (const l of logins) if (statusLoginSql(l).length && !statusLoginComplete(await statusLoginGrants(P, l))) missingLogins.push(l)
  return { files, password, hosts, accountsOk, logins, missingLogins }
}

/** The status login of the primary host's SSH user, tried for real over the socket. */
async function testStatusLogin(op: CreateClusterOp): Promise<void> {
  const { P, m } = op
  const login = await loginUser(P)
  try {
    await runSqlAsLogin(P, 'SHOW ALL SLAVES STATUS; SELECT @@gtid_current_pos', login)
  } catch (err) {
    throw mariaError('cluster_state', `The status login ${login}@localhost (unix_socket) does not work on ${who(m)}: ${(err as Error).message}`, { host: m.host, member: m.name })
  }
}

export function accessStep(op: CreateClusterOp): Step<CreateClusterParams> {
  const { c, m, P, everyone } = op
  return {
    id: 'access',
    title: 'Replication user, its password file and the status login',
    hosts: c.members.map((x) => x.host),
    plan: () => [
      ...everyone.map((n) => n.planned(writePasswordFileCommand(n, c))),
      P.planned({ ...sqlCommand(P), note: `over stdin: CREATE USER ${c.replicationUser}@<each member address> IDENTIFIED BY PASSWORD <hash>; GRANT REPLICATION SLAVE (the password itself is never sent)` }),
      P.planned({ ...sqlCommand(P), note: `over stdin: CREATE USER <SSH login>@localhost IDENTIFIED VIA unix_socket; GRANT SLAVE MONITOR, BINLOG MONITOR, PROCESS` }),
      P.planned(replicationLoginCommand(P, c, m)),
      P.planned({ ...loginSqlCommand(P), note: 'the status login, tried: SHOW ALL SLAVES STATUS' }),
    ],
    async check() {
      const s = await readAccess(op)
      if (!s.accountsOk || s.missingLogins.length || s.files.some((f) => f.password !== s.password)) return false
      return testReplicationLogin(P, c, m).then(
        () => testStatusLogin(op).then(() => true),
        () => false,
      )
    },
    async run(_ctx, report) {
      const s = await readAccess(op)
      const password = s.password ?? generatePassword()
      // The files first: a crash after this keeps the password, and the next attempt reuses it.
      await Promise.all(s.files.filter((f) => f.password !== password).map((f) => writePasswordFile(f.n, c, password)))
      const sql = [...replicationUserSql(c.replicationUser, s.hosts, password), ...s.missingLogins.flatMap(statusLoginSql)]
      await runSql(P, sql.join(';\n'))
      await testReplicationLogin(P, c, m)
      await testStatusLogin(op)
      report({ message: `User ${c.replicationUser} ready for ${s.hosts.join(', ')}; status login ${s.logins.join(', ')} works` })
    },
  }
}
