// A change of redundancy settings, as journaled steps:
//   read     every member's settings and role, read now; exactly one primary; the new
//            synchronous setting is refused when the standbys streaming now cannot meet it,
//            unless the user confirmed that writes may wait (blockWrites)
//   apply    ALTER SYSTEM + reload on every reachable member, primary AND standbys (a promoted
//            standby has them already); undo puts the previous record's values back
//   restart  only for restart-only settings: the standbys one at a time, each streaming again
//            before the next; the primary keeps its value until a switchover restarts it
//   verify   read back from every member: the running values are the record's (reload is
//            asynchronous: read again for a moment), pending restarts named per member
//   add1-…, remove1-…  the replicas wanted: each planned add and removal (replica-count.ts)
// Every check reads the servers. A member that does not answer is named, never counted as done.
import { z } from 'zod'
import type { Step } from '../../../operations'
import type { HostExec } from '../../host-exec'
import { pgError } from '../errors'
import { restartCommand, execTimeoutMs, START_TIMEOUT_S } from '../instance'
import { memberName, pgCluster, type PgCluster, type PgMember } from '../model'
import { buildSwitchover, switchoverParams, type SwitchoverParams } from '../switchover'
import { PgNode } from '../node'
import { waitStreaming } from '../roles'
import { alterSystem } from '../statements'
import { assessSettings, refuseUnsupported } from './changes'
import { answered, readSettings, type MemberSettings, type SettingsSeen } from './read'
import { clusterAddress } from '../service-address'
import { needsRestart, RESTART_KEYS, sameValue, SETTING_KEYS, wantedValues, type SettingKey } from './values'
import { nestSteps } from './nest'
import { replicaChanges, replicaCountSteps } from './replica-count'

export const settingsParams = z.object({
  /** The record with the new settings. */
  cluster: pgCluster,
  /** The record before: the plan compares with it, abandon puts its values back. */
  previous: pgCluster,
  /** The user confirmed that writes may wait until enough synchronous standbys stream. */
  blockWrites: z.boolean().default(false),
  streamTimeoutS: z.number().int().min(1).default(120),
  /**
   * Restart-only settings reach the primary through a switchover (it stops, restarts as a
   * standby with them); `back`: then a switchover back to it. Chosen by the plan.
   */
  switchover: z.object({ from: memberName, to: memberName, back: z.boolean() }).optional(),
  /** The replicas wanted against those recorded: the adds and removals the plan chose. */
  replicas: replicaChanges.optional(),
})
export type SettingsParams = z.output<typeof settingsParams>

const differing = (c: PgCluster, s: MemberSettings, which: 'values' | 'configured') => SETTING_KEYS.filter((k) => !sameValue(k, s[which][k], wantedValues(c, s.name)[k]))

export function buildApplySettings(hosts: HostExec, p: SettingsParams): Step<SettingsParams>[] {
  const c = p.cluster
  const nodes = c.members.map((m: PgMember) => new PgNode(hosts, m, c.major))
  const nodeOf = (name: string) => nodes.find((n) => n.name === name)!
  const allHosts = [...new Set(nodes.map((n) => n.host))]
  const readAll = () => Promise.all(nodes.map((n) => readSettings(n)))

  /** The one primary among those read, and its streaming standbys; throws otherwise. */
  const primaryOf = (seen: Awaited<ReturnType<typeof readAll>>) => {
    const w = seen.filter(answered).filter((s) => s.settings.writable)
    if (w.length !== 1) throw pgError('cluster_state', w.length ? `${w.map((s) => s.name).join(' and ')} all accept writes: end the split brain first (fence all but one). Nothing was changed.` : `No member of ${c.id} accepts writes, so the synchronous setting cannot be judged. Start the primary or fail over first. Nothing was changed.`)
    return w[0]!.settings
  }
  const refuseBlocking = (primary: MemberSettings) => {
    const a = assessSettings(p.previous, c, primary.name, primary.streaming)
    if (a.blocksWrites && !p.blockWrites) throw pgError('preflight_failed', `${a.blocksWrites} Nothing was changed: confirm that writes may wait (--block-writes), or start the standbys first.`, { check: 'blocks_writes' })
  }

  const read: Step<SettingsParams> = {
    id: 'read',
    title: 'Read every member\'s settings',
    hosts: allHosts,
    plan: () => nodes.map((n) => n.planned(n.psql(['SELECT json_build_object(…)'], 'reads role, settings (pg_settings, pg_file_settings) and who streams'))),
    check: async () => false,
    async run(_ctx, report) {
      refuseUnsupported(p.previous, c)
      const seen = await readAll()
      const primary = primaryOf(seen)
      refuseBlocking(primary)
      const down = seen.filter((s) => !answered(s)).map((s) => s.name)
      const todo = seen.filter(answered).filter((s) => differing(c, s.settings, 'configured').length > 0).map((s) => s.name)
      report({ message: `${primary.name} is the primary; to change: ${todo.join(', ') || 'nothing'}${down.length ? `; not answering: ${down.join(', ')} (they get the settings when they are rejoined or the change is applied again)` : ''}` })
    },
  }

  const setOn = async (s: MemberSettings, cluster: PgCluster) => {
    const keys = differing(cluster, s, 'configured')
    if (keys.length === 0) return undefined
    const want = wantedValues(cluster, s.name)
    await nodeOf(s.name).sql([...keys.map((k) => alterSystem(k, want[k]!)), 'SELECT pg_reload_conf()'])
    return `${s.name}: ${keys.join(', ')}`
  }

  const apply: Step<SettingsParams> = {
    id: 'apply',
    title: 'Set them with ALTER SYSTEM and reload, on every member',
    hosts: allHosts,
    plan: () => nodes.map((n) => {
      const want = wantedValues(c, n.name)
      return n.planned(n.psql([...SETTING_KEYS.filter((k) => want[k] !== undefined).map((k) => alterSystem(k, want[k]!)), 'SELECT pg_reload_conf()'], 'only the settings that differ'))
    }),
    check: async () => (await readAll()).filter(answered).every((s) => differing(c, s.settings, 'configured').length === 0),
    async run(_ctx, report) {
      const seen = await readAll()
      refuseBlocking(primaryOf(seen))
      const done = (await Promise.all(seen.filter(answered).map((s) => setOn(s.settings, c)))).filter(Boolean)
      report({ message: done.join('; ') || 'every member had them already' })
    },
    async undo() {
      await Promise.all((await readAll()).filter(answered).map((s) => setOn(s.settings, p.previous)))
    },
  }

  const restartKeysChange = RESTART_KEYS.some((k) => wantedValues(p.previous, '')[k] !== wantedValues(c, '')[k])
  const restart: Step<SettingsParams> = {
    id: 'restart',
    title: restartKeysChange ? 'Restart the standbys one at a time for restart-only settings' : 'Restart-only settings: none changed',
    hosts: allHosts,
    plan: () => (restartKeysChange ? nodes.map((n) => n.planned({ ...restartCommand(n), note: 'standbys with a pending restart only, one at a time, each streaming again before the next' })) : []),
    check: async () => !restartKeysChange || (await readAll()).filter(answered).every((s) => s.settings.writable || !s.settings.pendingRestart.some(needsRestart)),
    async run(_ctx, report) {
      const seen = await readAll()
      const primary = primaryOf(seen)
      const waiting = seen.filter(answered).filter((s) => !s.settings.writable && s.settings.pendingRestart.some(needsRestart))
      for (const s of waiting) {
        const n = nodeOf(s.name)
        await n.run(restartCommand(n), { timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
        const back = await waitStreaming(nodeOf(primary.name), [s.name], p.streamTimeoutS)
        if (back.length === 0) throw pgError('not_streaming', `${s.name} on ${s.host} restarted but does not stream from ${primary.name} within ${p.streamTimeoutS} s. Look at its log; resume when it streams.`, { host: s.host })
        report({ message: `${s.name} restarted and streams again` })
      }
      report({ message: `${waiting.map((s) => s.name).join(', ') || 'no standby'} restarted; ${primary.name} (the primary) keeps the old value until it is restarted: switch over away from it` })
    },
  }

  const verify: Step<SettingsParams> = {
    id: 'verify',
    title: 'Read them back from every member',
    hosts: allHosts,
    plan: () => nodes.map((n) => n.planned(n.psql(['SELECT json_build_object(…)'], 'reads the running values back'))),
    check: async () => false,
    async run(_ctx, report) {
      report({ message: await verifyAll(c, readAll) })
    },
  }
  return [read, apply, restart, ...primaryRestart(hosts, p), addressStep(hosts, p, readAll, primaryOf), verify, ...(p.replicas ? replicaCountSteps<SettingsParams>(hosts, c, p.replicas) : [])]
}

/** The switchover steps (and back), run as steps of this operation with their own ids. */
function primaryRestart(hosts: HostExec, p: SettingsParams): Step<SettingsParams>[] {
  if (!p.switchover) return []
  const { from, to, back } = p.switchover
  const as = (prefix: string, sw: SwitchoverParams) => nestSteps<SettingsParams, SwitchoverParams>(prefix, prefix === 'back' ? 'Back: ' : 'Restart the primary: ', buildSwitchover(hosts, sw), sw)
  const sw = (f: string, t: string) => switchoverParams.parse({ cluster: p.cluster, from: f, to: t, maxLagBytes: p.cluster.maxLagBytes })
  return [...as('switchover', sw(from, to)), ...(back ? as('back', sw(to, from)) : [])]
}

/** The service address on the primary's host and off the others; a replaced or removed one off every member. */
function addressStep(hosts: HostExec, p: SettingsParams, readAll: () => Promise<SettingsSeen[]>, primaryOf: (seen: SettingsSeen[]) => MemberSettings): Step<SettingsParams> {
  const next = clusterAddress(hosts, p.cluster)
  const old = p.previous.serviceAddress && p.previous.serviceAddress.address !== p.cluster.serviceAddress?.address ? clusterAddress(hosts, p.cluster, p.previous.serviceAddress) : undefined
  const hostOf = (name: string) => p.cluster.members.find((m) => m.name === name)!.host
  return {
    id: 'address',
    title: next ? `Service address ${next.address} on the primary` : old ? `Service address ${old.address} taken off every member` : 'Service address: none',
    hosts: [...new Set(p.cluster.members.map((m) => m.host))],
    plan: () => [],
    async check() {
      if (old && (await old.holders()).some((h) => h.state !== 'free')) return false
      return !next || next.onlyOn(hostOf(primaryOf(await readAll()).name))
    },
    async run(_ctx, report) {
      const done = [old && `${old.address}: ${(await Promise.all(p.cluster.members.map((m) => old.releaseFrom(m.host)))).join('; ')}`, next && (await next.moveTo(hostOf(primaryOf(await readAll()).name)))]
      report({ message: done.filter(Boolean).join('; ') || 'no service address' })
    },
  }
}

/** Reads back until the reloads took effect (at most ~3 s); throws naming each member and setting that differs. */
async function verifyAll(c: PgCluster, readAll: () => Promise<Awaited<ReturnType<typeof readSettings>>[]>): Promise<string> {
  const deadline = Date.now() + 3000
  for (;;) {
    const seen = await readAll()
    const wrong = seen.filter(answered).flatMap((s) => differing(c, s.settings, 'values').filter((k: SettingKey) => !needsRestart(k) || !s.settings.pendingRestart.includes(k)).map((k) => `${s.name}: ${k} is '${s.settings.values[k]}', not '${wantedValues(c, s.name)[k]}'`))
    if (wrong.length === 0) {
      const pending = seen.filter(answered).filter((s) => s.settings.pendingRestart.length).map((s) => `${s.name} (${s.settings.pendingRestart.join(', ')})`)
      const down = seen.filter((s) => !answered(s)).map((s) => s.name)
      return `verified on ${seen.filter(answered).map((s) => s.name).join(', ')}${pending.length ? `; restart pending: ${pending.join(', ')}` : ''}${down.length ? `; not verified (not answering): ${down.join(', ')}` : ''}`
    }
    if (Date.now() > deadline) throw pgError('cluster_state', `Read back, the settings differ from what was set: ${wrong.join('; ')}. Something else changes them (a config file that overrides postgresql.auto.conf?); look, then resume.`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
