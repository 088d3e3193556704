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
import { assessSettings, assessSwitchover, isUp, refuseUnsupported, writable, type PostgresEngine } from '../engines/postgres'
import type { OperationDefinition } from '../operations'
import { withServiceAddress, withSettings } from './settings-change'

interface Deps {
  engine: PostgresEngine
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
  let switchover: { from: string; to: string; back: boolean } | undefined
  if (input.restartPrimary && restartOnly(cluster, next)) {
    const a = assessSwitchover(cluster, seen, undefined, cluster.maxLagBytes)
    switchover = { from: a.from!, to: a.to, back: input.switchBack }
    settings.warnings.push(`${a.from} (the primary) restarts through a switchover to ${a.to}${input.switchBack ? `, then back to ${a.from}` : ''}: writes pause for each, as in a switchover (nothing acknowledged is lost).`)
  }
  return { def: d.engine.applySettings({ cluster: next, previous: cluster, blockWrites: input.blockWrites, ...(switchover && { switchover }) }), settings }
}
