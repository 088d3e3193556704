// A settings change planned against the servers as they are now: who is primary and who
// streams from it (whether writes would wait), the record with the new settings (the primary's
// values adopted, a new service address checked on the members), when restart-only settings
// change and the user asked for it, the switchover that restarts the primary (and back), and
// the replicas wanted against those recorded: which to add where, which to remove (run as steps
// of the same operation, engines/postgres/settings/replica-count.ts). Refusals come before
// anything runs.
import type { z } from 'zod'
import type { settingsInput } from '../../../shared/clusters'
import { AppError } from '../../../shared/errors'
import type { ReplicaCountAction, SettingsAssessment } from '../../../shared/operations'
import type { PgCluster, PgMember } from '../../../shared/postgres'
import type { ServiceAddress } from '../address'
import { assessSettings, assessSwitchover, isUp, lsnDiff, maxLsn, refuseUnsupported, writable, type PostgresEngine } from '../engines/postgres'
import type { OperationDefinition } from '../operations'
import { leastUseful, proposeReplicas } from './placement'
import { newMemberLike, type HostFacts } from './replica-defaults'
import { withServiceAddress, withSettings } from './settings-change'

interface Deps {
  engine: PostgresEngine
  /** Host records with their failure domains (where new replicas could go). */
  hosts: () => Promise<(HostFacts & { failureDomain?: string })[]>
  /** Data dirs of the members of the other cluster records, per host. */
  knownDataDirs: () => Promise<{ host: string; dataDir: string }[]>
  address: Pick<ServiceAddress, 'inspect'>
  readTimeoutMs: number
}

type Seen = Awaited<ReturnType<PostgresEngine['readPositions']>>
interface ReplicaPlan {
  add: { member: PgMember; why: string }[]
  remove: { member: string; why: string }[]
  actions: ReplicaCountAction[]
  warnings: string[]
}

export async function planSettings(d: Deps, cluster: PgCluster, input: z.output<typeof settingsInput>): Promise<{ def: OperationDefinition<unknown>; settings: SettingsAssessment }> {
  const timing = (['ttl', 'loopWait', 'retryTimeout'] as const).find((k) => input[k] !== undefined)
  if (timing) throw new AppError('invalid_input', `--${timing.replace(/[A-Z]/g, (x) => `-${x.toLowerCase()}`)} is a timing of automatic failover (Patroni): ${cluster.id} is not handed over. Turn automatic failover on first (replicadesk automatic ${cluster.id} --on).`, { field: timing })
  const seen = await d.engine.readPositions(cluster, d.readTimeoutMs)
  const primary = seen.find((s) => isUp(s) && writable(s.pos))
  if (!primary || !isUp(primary)) throw new AppError('cluster_state', `No member of ${cluster.id} accepts writes now, so the new settings cannot be checked against it. Start the primary or fail over first.`)
  const base = input.adopt ? await d.engine.adoptSettings(cluster, primary.member.name) : cluster
  const next = d.engine.parseCluster(await withServiceAddress(d.address, withSettings(base, input), input.serviceAddress))
  refuseUnsupported(cluster, next)
  const settings = assessSettings(cluster, next, primary.member.name, primary.pos.senders.filter((x) => x.state === 'streaming').map((x) => x.name))
  const replicas = await replicaCount(d, next, primary.member.name, seen)
  settings.warnings.push(...replicas.warnings)
  if (replicas.actions.length) settings.replicas = replicas.actions
  let switchover: { from: string; to: string; back: boolean } | undefined
  if (input.restartPrimary && settings.changes.some((c) => c.restart)) {
    const a = assessSwitchover(cluster, seen, undefined, cluster.maxLagBytes)
    switchover = { from: a.from!, to: a.to, back: input.switchBack }
    settings.warnings.push(`${a.from} (the primary) restarts through a switchover to ${a.to}${input.switchBack ? `, then back to ${a.from}` : ''}: writes pause for each, as in a switchover (nothing acknowledged is lost).`)
  }
  const changes = replicas.add.length || replicas.remove.length ? { replicas: { add: replicas.add, remove: replicas.remove, knownDataDirs: await d.knownDataDirs() } } : {}
  return { def: d.engine.applySettings({ cluster: next, previous: cluster, blockWrites: input.blockWrites, ...(switchover && { switchover }), ...changes }), settings }
}

/** Wanted replicas against those recorded: what to add (where, in the cluster's own pattern) or remove (which). */
async function replicaCount(d: Deps, c: PgCluster, primary: string, seen: Seen): Promise<ReplicaPlan> {
  const have = c.members.length - 1
  const want = c.desiredReplicas
  const out: ReplicaPlan = { add: [], remove: [], actions: [], warnings: [] }
  if (want === undefined || want === have) return out
  if (want > have) {
    const hosts = await d.hosts()
    // Every free host record is looked at first: one without the cluster's version, or not answering, is not proposed.
    const free = hosts.filter((h) => !c.members.some((m) => m.host === h.name))
    const looked = new Map(await Promise.all(free.map(async (h) => [h.name, await d.engine.detect(h.name, h.access).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))] as const)))
    const unfit = new Map<string, string>()
    for (const h of free) {
      const r = looked.get(h.name)!
      if (r instanceof Error) unfit.set(h.name, `it could not be looked at (${r.message})`)
      else if (!r.versions.some((v) => v.major === c.major)) unfit.set(h.name, `it has no PostgreSQL ${c.major} (install it there first)`)
    }
    out.warnings.push(...[...unfit].map(([h, why]) => `${h} is not proposed: ${why}.`))
    const usable = hosts.filter((h) => !unfit.has(h.name))
    const proposed = proposeReplicas(c, new Map(usable.map((h) => [h.name, h.failureDomain])), want - have)
    const pm = c.members.find((m) => m.name === primary)!
    const known = await d.knownDataDirs()
    for (const p of proposed) {
      const host = hosts.find((h) => h.name === p.host)!
      const detected = looked.get(host.name) as Exclude<ReturnType<typeof looked.get>, Error | undefined>
      const taken = { ports: detected.instances.map((i) => i.port), dataDirs: [...detected.instances.flatMap((i) => (i.dataDir ? [i.dataDir] : [])), ...known.filter((k) => k.host === host.name).map((k) => k.dataDir)] }
      const member = d.engine.parseCluster({ ...c, members: [...c.members, newMemberLike(pm, p.name, host, taken, c.members.some((m) => m.sync))] }).members.at(-1)!
      out.add.push({ member, why: p.why })
      out.actions.push({ action: 'add', member: member.name, host: member.host, dataDir: member.dataDir, port: member.port, why: p.why })
    }
    const missing = want - have - proposed.length
    out.warnings.push(`${want} replicas wanted, ${have} recorded: ${proposed.length ? `add ${proposed.map((p) => `${p.name} on ${p.host} (${p.why})`).join(', ')}` : 'nothing can be added'}.${missing > 0 ? ` No host record is free for ${missing} more: add hosts first (host add).` : ''}`)
    return out
  }
  const top = seen.filter(isUp).reduce<string | null>((acc, s) => maxLsn(acc, s.pos.lsn), null)
  const behind = (name: string) => {
    const s = seen.find((x) => x.member.name === name)
    return s && isUp(s) ? lsnDiff(top, s.pos.lsn) : null
  }
  let rest = c
  for (let i = 0; i < have - want; i++) {
    const r = leastUseful(rest, primary, behind)
    if (!r) break
    out.remove.push({ member: r.name, why: r.why })
    out.actions.push({ action: 'remove', member: r.name, host: rest.members.find((m) => m.name === r.name)!.host, why: r.why })
    rest = { ...rest, members: rest.members.filter((m) => m.name !== r.name) }
  }
  out.warnings.push(`${want} replicas wanted, ${have} recorded: remove ${out.remove.map((r) => `${r.member} (${r.why})`).join(', ')}, the least useful first; their data dirs are kept.`)
  return out
}
