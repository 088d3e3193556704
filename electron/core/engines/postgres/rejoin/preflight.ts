// preflight: the one writable primary among the other members (the member itself may be a
// second one: rejoin is the way out of a split brain); the primary itself is refused; what
// its data dir allows (a rewind needs checksums or wal_log_hints; a rebuild the data-dir
// guard). Changes nothing, so it runs on every attempt, and hands along which member is the
// primary (Located) to the later steps of this attempt.
import type { Step } from '../../../operations'
import type { RejoinParams } from '../rejoin'
import { checkDataDir, clusterSysid, guardRefusal } from '../data-dir-guard'
import { pgError } from '../errors'
import type { PgMember } from '../model'
import { isUp, positionQuery, writable } from '../roles'
import { dirState, hostsOf, isJoined, locate, stateCommand, type DirState, type RejoinHandoffs, type RejoinOp } from './context'

export function preflightStep(op: RejoinOp, h: RejoinHandoffs): Step<RejoinParams> {
  const { p, major, member, R, all, confDir, at, rebuildHint } = op
  return {
    id: 'preflight',
    title: `Find the primary ${member.name} will follow`,
    hosts: hostsOf(all),
    plan: () => [...all.map((n) => n.planned(n.psql([positionQuery], 'reads role and position'))), R.planned(stateCommand(op))],
    check: async () => false,
    async run(ctx, report) {
      const [found, st] = await Promise.all([locate(op), dirState(op)])
      h.located.put(ctx, found)
      const { up, own } = found
      if (st.confMissing) {
        throw pgError('preflight_failed', `${member.host} has no Debian cluster ${major}/${member.debianName} (${confDir} is missing), so ${member.name} cannot be started there. Remove ${member.name} from the cluster and add it again.`, { host: member.host, check: 'debian_cluster' })
      }
      if (!p.rebuild && st.done !== ctx.operationId) {
        if (!st.pgdata) {
          throw pgError('cluster_state', `${member.dataDir} on ${member.host} holds no PostgreSQL data, so there is nothing to rewind. Copy it afresh from ${up.name}: run "${rebuildHint}" (this fills ${member.dataDir} with a new copy).`, { host: member.host, rebuild: true })
        }
        if (st.rewinding) {
          throw pgError('cluster_state', `An earlier pg_rewind of ${at} (operation ${st.rewinding}) stopped half-way: its data dir may be half-rewound, and rewinding it again could leave it corrupt. Copy it afresh from ${up.name}: run "${rebuildHint}" (everything in ${member.dataDir} is replaced).`, { host: member.host, rebuild: true })
        }
        if (st.checksums === 0 && st.hints === 'off') {
          throw pgError('cluster_state', `pg_rewind cannot rewind ${at}: its data dir has neither data checksums nor wal_log_hints = on. Copy it afresh from ${up.name} instead: run "${rebuildHint}" (everything in ${member.dataDir} is replaced).`, { host: member.host, rebuild: true, check: 'wal_log_hints' })
        }
      }
      if (p.rebuild) await guardRebuild(op, up, st)
      const joined = await isJoined(op, up, st, own)
      const is = joined ? `already a standby streaming from ${up.name}` : !isUp(own) ? 'not running' : writable(own.pos) ? `a second primary: it is stopped next, and what it wrote since it parted from ${up.name} is discarded` : own.pos.inRecovery ? 'a standby' : 'running read-only'
      report({ message: `Primary is ${up.name} on ${up.host}; ${member.name} is ${is}${st.fenced ? ', fenced' : ''}` })
    },
  }
}

/**
 * The data-dir guard before a rebuild empties the member's data dir: never a dir that became a
 * parent of another member's data (or any other hard refusal); only a copy of this cluster,
 * or what an earlier rebuild began to fill (its `rebuilding` mark).
 */
async function guardRebuild(op: RejoinOp, up: PgMember, st: DirState): Promise<void> {
  const { c, member, R, prot } = op
  const sysid = await clusterSysid(op.nodeOf(up))
  const a = await checkDataDir(R, member.dataDir, st.savedFiles.includes('rebuilding') ? 'any' : `sysid:${sysid}`, prot, true)
  if (a.verdict === 4 && a.refusal) throw guardRefusal(member.host, member.dataDir, a.refusal, 'empty', true)
  if (a.verdict !== 0) {
    throw pgError('preflight_failed', `ReplicaDesk will not empty ${member.dataDir} on ${member.host} for a rebuild: it holds ${a.size ?? 'data'}${a.sysid ? ` of another cluster (system identifier ${a.sysid}, cluster ${c.id} has ${sysid})` : ' that is not a PostgreSQL data directory of this cluster'}. --rebuild replaces only the member's own copy. Nothing was deleted. Move what is there away (an empty dir is filled afresh), or remove ${member.name} and add it again with a directory of its own.`, { host: member.host, path: member.dataDir, check: 'data_dir_guard', guard: 'content' })
  }
}
