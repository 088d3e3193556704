// access: what ReplicaDesk put on the servers for the member goes: its replication account on
// the primary (unless a member that stays shares its address), the cluster's password file on
// its host (unless a member that stays lives there), its option file (plain: ReplicaDesk's
// whole file; Debian: our drop-in), and its datadir's claim (it is no operation's any more).
// The check reads all of it on every attempt.
import type { Step } from '../../../operations'
import { dropReplicationAccountSql, replicationAccounts, replicationHosts } from '../access'
import { CLAIM_DIR } from '../add-replica/scripts'
import { locatePrimary, readFacts } from '../add-replica/facts'
import { readConfig, removeConfigCommand } from '../instance'
import { optionFile, replicationOptionFile } from '../model'
import { MariaNode } from '../node'
import { runSql, sqlCommand } from '../sql'
import type { RemoveReplicaOp } from './context'
import type { RemoveReplicaParams } from './params'

const FILES = 'for f; do [ -e "$f" ] && echo "$f"; done; exit 0'

export function accessStep(op: RemoveReplicaOp): Step<RemoveReplicaParams> {
  const { c, member, R, others, key } = op
  const sharedHost = others.some((o) => o.host === R.host)
  const sharedAddress = others.some((o) => o.member.address === member.address)
  const files = [...(sharedHost ? [] : [replicationOptionFile(c)]), `${CLAIM_DIR}/${key}`, `${CLAIM_DIR}/${key}.copied`]

  /** The accounts to drop on the primary: the member's address, resolved there, unless another member's. */
  async function stale(): Promise<{ primary: MariaNode; drop: string[] }> {
    const up = locatePrimary(c, await Promise.all(others.map((n) => readFacts(n))))
    const primary = new MariaNode(R.hosts, up.member)
    if (sharedAddress) return { primary, drop: [] }
    const [mine, keep, have] = await Promise.all([replicationHosts(primary, [member.address]), replicationHosts(primary, others.map((o) => o.member.address)), replicationAccounts(primary, c.replicationUser)])
    return { primary, drop: mine.filter((h) => !keep.includes(h) && have.has(h)) }
  }
  const ownConfig = async () => (await readConfig(R))?.split('\n')[0]?.includes(`member ${member.name} of cluster ${c.id}`) === true

  return {
    id: 'access',
    title: `Remove ${member.name}'s replication account, password file and option file`,
    hosts: c.members.map((m) => m.host),
    plan: () => [
      ...others.slice(0, 1).map((n) => n.planned(sqlCommand(n, `on the primary: DROP USER ${c.replicationUser}@${member.address}, unless a member that stays has that address`))),
      R.planned(R.root(['rm', '-f', '--', ...files])),
      R.planned({ ...removeConfigCommand(R), note: `only ${optionFile(member)} written for ${member.name}` }),
    ],
    async check() {
      const [s, left, conf] = await Promise.all([stale(), R.run(R.root(['sh', '-c', FILES, 'sh', ...files])), ownConfig()])
      return s.drop.length === 0 && left.stdout.trim() === '' && !conf
    },
    async run() {
      const s = await stale()
      await Promise.all([
        s.drop.length ? runSql(s.primary, s.drop.map((h) => dropReplicationAccountSql(c.replicationUser, h)).join(';\n') + ';') : undefined,
        R.run(R.root(['rm', '-f', '--', ...files])),
        ownConfig().then((own) => (own ? R.run(removeConfigCommand(R)) : undefined)),
      ])
    },
  }
}
