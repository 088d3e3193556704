// preflight: init: the host can take a new primary (version, data dir, disk, port); adopt: the
// running primary is the member described (version, role, data dir, layout, binaries).
// Changes nothing, so it runs on every attempt; hands its probe of the host along (Preflighted).
import type { Step } from '../../../operations'
import type { CreateClusterParams } from '../create-cluster'
import { checkDataDir, guardCommand, judgeNewDataDir, refuseRunningOnTarget } from '../data-dir-guard'
import { pgError } from '../errors'
import { factsQuery, majorOf } from '../facts'
import type { Handoff } from '../../handoff'
import { binDir, debianConfDir } from '../model'
import { checkNewMember, probe, probeCommand } from '../probe'
import { upFacts, type CreateClusterOp, type Preflighted } from './context'

export function preflightStep(op: CreateClusterOp, preflighted: Handoff<Preflighted>): Step<CreateClusterParams> {
  const { p, c, major, m, P, role, prot, isDebian } = op
  return {
    id: 'preflight',
    title: p.mode === 'init' ? `Check ${m.host} for a new primary` : `Check the running primary on ${m.host}`,
    hosts: [m.host],
    plan: () => [P.planned(probeCommand(P, [])), ...(p.mode === 'init' ? [P.planned(guardCommand(P, m.dataDir, 'none', prot))] : []), ...(p.mode === 'adopt' ? [P.planned(P.psql([factsQuery(role)], 'reads role, version, settings'))] : [])],
    check: async () => false, // reads only: runs every time
    async run(ctx, report) {
      if (p.mode === 'init') {
        const [probed, guarded] = await Promise.all([probe(P, []), checkDataDir(P, m.dataDir, 'none', prot, true)])
        judgeNewDataDir({ host: m.host, target: m.dataDir, answer: guarded, ours: probed.claim?.operation === ctx.operationId, overwrite: false, unrelated: false, sysid: '', clusterId: c.id, member: m.name })
        const verdict = checkNewMember({ member: m, major, probe: probed, operationId: ctx.operationId, overwrite: false })
        refuseRunningOnTarget(m.host, m.dataDir, guarded, probed.claim?.operation === ctx.operationId)
        if (verdict.needsRoot) await P.run(P.root(['true']), { timeoutMs: 10_000 })
        preflighted.put(ctx, { probe: probed, needsRoot: verdict.needsRoot })
        return report({ message: `${m.host} is ready for PostgreSQL ${major} in ${m.dataDir}` })
      }
      const [probed, f] = await Promise.all([probe(P, []), upFacts(op)])
      preflighted.put(ctx, { probe: probed, needsRoot: false })
      const at = `${m.host} port ${m.port}`
      if (majorOf(f.versionNum) !== major) throw pgError('version_mismatch', `The server on ${at} runs PostgreSQL ${f.version}, not ${major} as the cluster says. Set the cluster's version to ${majorOf(f.versionNum)}.`, { host: m.host, check: 'version' })
      if (f.inRecovery) throw pgError('preflight_failed', `The server on ${at} is a standby. Adopt the cluster's primary instead.`, { host: m.host, check: 'role' })
      if (f.dataDir !== m.dataDir) throw pgError('preflight_failed', `The server on ${at} runs from ${f.dataDir}, not ${m.dataDir}. Correct the member's data directory.`, { host: m.host, check: 'data_dir' })
      const debianConf = f.configFile.startsWith(`${debianConfDir(m, major)}/`)
      if (isDebian !== debianConf) {
        throw pgError('preflight_failed', `The server on ${at} is ${debianConf ? `the Debian cluster ${major}/${m.debianName}` : `a plain data dir (config ${f.configFile})`}, but the member says layout "${m.layout}"${isDebian ? ` named ${m.debianName}` : ''}. Correct the member's layout.`, { host: m.host, check: 'layout' })
      }
      if (!probed.bins.some((b) => b.dir === binDir(m, major) && b.major === major)) {
        throw pgError('version_mismatch', `${m.host} has no PostgreSQL ${major} binaries in ${binDir(m, major)}. Set the member's binary directory.`, { host: m.host, check: 'version', found: probed.bins })
      }
      report({ message: `${m.name}: PostgreSQL ${f.version}, primary, ${isDebian ? `Debian cluster ${major}/${m.debianName}` : 'plain data dir'}` })
    },
  }
}
