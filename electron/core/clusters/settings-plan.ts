// A settings change planned against the servers as they are now: who is primary and who
// streams from it (whether writes would wait), the record with the new settings (the primary's
// values adopted, a new service address checked on the members), and, when restart-only
// settings change and the user asked for it, the switchover that restarts the primary (and
// back). Refusals come before anything runs.
import type { z } from 'zod'
import type { settingsInput } from '../../../shared/clusters'
import { AppError } from '../../../shared/errors'
import type { SettingsAssessment } from '../../../shared/operations'
import type { PgCluster } from '../../../shared/postgres'
import type { ServiceAddress } from '../address'
import { assessSettings, assessSwitchover, isUp, lsnDiff, maxLsn, refuseUnsupported, writable, type PostgresEngine } from '../engines/postgres'
import type { OperationDefinition } from '../operations'
import { leastUseful, proposeReplicas } from './placement'
import { withServiceAddress, withSettings } from './settings-change'

interface Deps {
  engine: PostgresEngine
  /** Host records and their failure domains (where new replicas could go). */
  domains: () => Promise<Map<string, string | undefined>>
  address: Pick<ServiceAddress, 'inspect'>
  readTimeoutMs: number
}

const restartOnly = (a: PgCluster, b: PgCluster) => a.maxWalSenders !== b.maxWalSenders || a.maxReplicationSlots !== b.maxReplicationSlots || (!!b.serviceAddress && !a.serviceAddress)

export async function planSettings(d: Deps, cluster: PgCluster, input: z.output<typeof settingsInput>): Promise<{ def: OperationDefinition<unknown>; settings: SettingsAssessment }> {
  const seen = await d.engine.readPositions(cluster, d.readTimeoutMs)
  const primary = seen.find((s) => isUp(s) && writable(s.pos))
  if (!primary || !isUp(primary)) throw new AppError('cluster_state', `No member of ${cluster.id} accepts writes now, so the new settings cannot be checked against it. Start the primary or fail over first.`)
  const base = input.adopt ? await d.engine.adoptSettings(cluster, primary.member.name) : cluster
  const next = d.engine.parseCluster(await withServiceAddress(d.address, withSettings(base, input), input.serviceAddress))
  refuseUnsupported(cluster, next)
  const settings = assessSettings(cluster, next, primary.member.name, primary.pos.senders.filter((x) => x.state === 'streaming').map((x) => x.name))
  settings.warnings.push(...(await replicaCount(d, next, primary.member.name, seen)))
  let switchover: { from: string; to: string; back: boolean } | undefined
  if (input.restartPrimary && restartOnly(cluster, next)) {
    const a = assessSwitchover(cluster, seen, undefined, cluster.maxLagBytes)
    switchover = { from: a.from!, to: a.to, back: input.switchBack }
    settings.warnings.push(`${a.from} (the primary) restarts through a switchover to ${a.to}${input.switchBack ? `, then back to ${a.from}` : ''}: writes pause for each, as in a switchover (nothing acknowledged is lost).`)
  }
  return { def: d.engine.applySettings({ cluster: next, previous: cluster, blockWrites: input.blockWrites, ...(switchover && { switchover }) }), settings }
}

/** Wanted replicas against those recorded: what to add (where) or remove (which), as commands to run. */
async function replicaCount(d: Deps, c: PgCluster, primary: string, seen: Awaited<ReturnType<PostgresEngine['readPositions']>>): Promise<string[]> {
  const have = c.members.length - 1
  const want = c.desiredReplicas
  if (want === undefined || want === have) return []
  if (want > have) {
    const pm = c.members.find((m) => m.name === primary)!
    const add = proposeReplicas(c, await d.domains(), want - have)
    const lines = add.map((p) => `replicadesk replica add ${c.id} ${p.name} --host ${p.host} --pgdata ${pm.dataDir}${c.members.some((m) => m.sync) ? ' --sync' : ''}   (${p.host}: ${p.why})`)
    const missing = want - have - add.length
    return [`${want} replicas wanted, ${have} recorded: add ${want - have}.${lines.length ? ` Run:\n${lines.join('\n')}` : ''}${missing > 0 ? `\nNo host record is free for ${missing} more: add hosts first (host add).` : ''}`]
  }
  const lsn = (name: string) => seen.find((s) => s.member.name === name)
  const top = seen.filter(isUp).reduce<string | null>((acc, s) => maxLsn(acc, s.pos.lsn), null)
  const behind = (name: string) => {
    const s = lsn(name)
    return s && isUp(s) ? lsnDiff(top, s.pos.lsn) : null
  }
  const out: string[] = []
  let rest = c
  for (let i = 0; i < have - want; i++) {
    const r = leastUseful(rest, primary, behind)
    if (!r) break
    out.push(`replicadesk replica remove ${c.id} ${r.name}   (${r.why})`)
    rest = { ...rest, members: rest.members.filter((m) => m.name !== r.name) }
  }
  return [`${want} replicas wanted, ${have} recorded: remove ${have - want}, the least useful first. Run:\n${out.join('\n')}`]
}
