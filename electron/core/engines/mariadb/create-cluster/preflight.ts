// preflight: init: the host can take a new primary (tools, version, an empty or missing datadir
// behind the data-dir guard, port and socket free, Debian's unit); adopt: the running server is
// the member described (datadir, port, not a replica, binary log format it can switch). Both:
// no other server of the cluster runs with the new member's server_id. Changes nothing, so it
// runs on every attempt.
import type { Step } from '../../../operations'
import { checkDataDir, guardCommand, judgeNewDataDir } from '../add-replica/data-dir-guard'
import type { CreateClusterParams } from '../create-cluster'
import { mariaError } from '../errors'
import { readFacts, replicaServerIds, type ServerFacts } from '../facts'
import { who } from '../model'
import type { MariaNode } from '../node'
import { sqlCommand } from '../sql'
import type { CreateClusterOp } from './context'
import { judgeAddress, judgeNewServer, probe, probeCommand } from './probe'
import { readInitState } from './claim'

/** The server_id of each other member that answers now (a member that does not answer is no clash). */
async function otherIds(op: CreateClusterOp): Promise<{ n: MariaNode; id: number }[]> {
  const others = op.everyone.filter((n) => n.name !== op.m.name)
  const read = await Promise.all(others.map((n) => readFacts(n, 10_000).then((f) => ({ n, id: f.serverId }), () => undefined)))
  return read.filter((x): x is { n: MariaNode; id: number } => x !== undefined)
}

/** Refuses when a server of the cluster (or one replicating with the adopted server) already runs with the member's server_id. */
export async function refuseServerIdClash(op: CreateClusterOp, adopted?: ServerFacts): Promise<void> {
  const { m } = op
  const clash = (await otherIds(op)).find((x) => x.id === m.serverId)
  if (clash) {
    throw mariaError('preflight_failed', `server_id ${m.serverId}, which the record gives ${m.name}, is in use by ${who(clash.n.member)}. Give ${m.name} a server_id no member runs with (or correct ${clash.n.name}'s record), then try again.`, { host: m.host, member: m.name, check: 'server_id' })
  }
  if (!adopted) return
  const linked = [...(await replicaServerIds(op.P)), ...adopted.follows.map((f) => f.masterServerId)]
  if (adopted.serverId !== m.serverId && linked.includes(m.serverId)) {
    throw mariaError('preflight_failed', `server_id ${m.serverId}, which the record gives ${m.name}, is in use by a server replicating with it on ${m.host}. Give ${m.name} another server_id.`, { host: m.host, member: m.name, check: 'server_id' })
  }
}

/** init never empties a datadir: what to do instead, per layout. */
function notEmpty(op: CreateClusterOp, size: string | undefined) {
  const { m } = op
  const what = `The datadir ${m.dataDir} on ${m.host} is not empty (${size ? `${size} on disk` : 'size unknown'}), and creating a cluster never empties one.`
  const todo = op.isDebian
    ? "It holds Debian's own server: adopt it instead (start it with systemctl start mariadb first), or empty /var/lib/mysql yourself if nothing in it is needed."
    : `Pick an empty or new directory for ${m.name}, or adopt the server that runs from it.`
  return mariaError('preflight_failed', `${what} ${todo}`, { host: m.host, member: m.name, check: 'data_dir', size })
}

function judgeAdopted(op: CreateClusterOp, f: ServerFacts): void {
  const { m } = op
  const at = `${who(m)} (port ${m.port})`
  const detail = { host: m.host, member: m.name }
  if (f.dataDir !== m.dataDir.replace(/\/+$/, '')) throw mariaError('preflight_failed', `The server of ${at} runs from ${f.dataDir}, not ${m.dataDir}. Correct the member's datadir.`, { ...detail, check: 'data_dir' })
  if (f.port !== m.port) throw mariaError('preflight_failed', `The server answering on ${f.socket} on ${m.host} listens on port ${f.port}, not ${m.port}. Correct the member's port.`, { ...detail, check: 'port' })
  if (f.follows.length) {
    const src = f.follows.map((s) => `${s.masterHost}:${s.masterPort}`).join(', ')
    throw mariaError('preflight_failed', `The server of ${at} replicates from ${src}: it is a replica. Adopt the primary instead (or RESET SLAVE ALL on it if it should stand alone).`, { ...detail, check: 'role' })
  }
}

export function preflightStep(op: CreateClusterOp): Step<CreateClusterParams> {
  const { p, m, P, prot } = op
  return {
    id: 'preflight',
    title: p.mode === 'init' ? `Check ${m.host} for a new primary` : `Check the running server on ${m.host}`,
    hosts: [m.host],
    plan: () =>
      p.mode === 'init'
        ? [P.planned(probeCommand(P)), P.planned(guardCommand(P, m.dataDir, 'none', prot))]
        : [P.planned({ ...sqlCommand(P), note: 'reads its settings (SELECT @@datadir, @@port, @@server_id, @@log_bin, @@binlog_format, …) and SHOW ALL SLAVES STATUS' }), P.planned(probeCommand(P))],
    check: async () => false, // reads only: runs every time
    async run(ctx, report) {
      if (p.mode === 'init') {
        const state = await readInitState(op)
        // A resume finds its own datadir (maybe with its own server running on it): only the hard rules apply then.
        const ours = state.claim?.operation === ctx.operationId
        const [probed, guarded] = await Promise.all([probe(P), checkDataDir(P, m.dataDir, ours ? 'any' : 'none', prot, ours)])
        if (!ours && guarded.verdict !== 4 && guarded.content === 'nonempty') throw notEmpty(op, guarded.size)
        judgeNewDataDir({ host: m.host, target: m.dataDir, answer: { ...guarded, ownRunning: undefined }, ours, overwrite: false, member: m.name })
        if (!ours) judgeNewServer(m, probed)
        judgeAddress(m, probed)
        await refuseServerIdClash(op)
        return report({ message: `${m.host} is ready for MariaDB ${probed.version ?? ''} in ${m.dataDir}`.replace('  ', ' ') })
      }
      const [f, probed] = await Promise.all([readFacts(P), probe(P)])
      judgeAdopted(op, f)
      judgeAddress(m, probed)
      await refuseServerIdClash(op, f)
      report({ message: `${m.name}: MariaDB ${f.version}, primary, ${m.layout === 'debian' ? "Debian's server" : 'plain datadir'}` })
    },
  }
}
