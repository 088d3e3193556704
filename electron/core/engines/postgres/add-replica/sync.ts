// sync: synchronous_standby_names on the other standbys as the record says, on the primary only
// once the standbys it names stream (never a value that makes writes wait for ever). The check
// locates the primary again and reads every member's setting on every attempt; the run acts on
// what its check read.
import type { Step } from '../../../operations'
import type { AddReplicaParams } from '../add-replica'
import { Handoff, type Attempt } from '../../handoff'
import { alterSystem } from '../statements'
import { degradedSyncValue, satisfiable, syncNames } from '../sync'
import { locate, type AddReplicaHandoffs, type AddReplicaOp, type Up } from './context'

/** The primary and the standbys read now, and what the primary should say. */
interface SyncState {
  up: Up
  standbys: Up[]
  streamingNames: string[]
  wantPrimary: string
}

async function syncState(op: AddReplicaOp, h: AddReplicaHandoffs, a: Attempt, exclude: readonly string[]): Promise<SyncState> {
  const at = h.located.put(a, await locate(op))
  const up = at.up
  const standbys = at.facts.filter((f): f is Up => 'facts' in f && f.member.name !== up.member.name)
  const streamingNames = up.facts.senders.filter((s) => s.state === 'streaming').map((s) => s.name)
  const wantPrimary = syncNames(op.c, up.member.name, exclude)
  return { up, standbys, streamingNames, wantPrimary }
}

const setSync = (op: AddReplicaOp, up: Up, value: string) => op.nodeOf(up.member).sql([alterSystem('synchronous_standby_names', value), 'SELECT pg_reload_conf()'])

export function syncStep(op: AddReplicaOp, h: AddReplicaHandoffs): Step<AddReplicaParams> {
  const { c, member, nodeOf } = op
  const checked = new Handoff<SyncState>("sync's check: the primary and the standbys as read now")
  return {
    id: 'sync',
    title: 'Apply synchronous_standby_names',
    hosts: c.members.map((m) => m.host),
    plan: () =>
      c.members
        .filter((m) => m.name !== member.name)
        .map((m) => nodeOf(m).planned(nodeOf(m).psql([alterSystem('synchronous_standby_names', syncNames(c, m.name)), 'SELECT pg_reload_conf()'], 'on the primary only once the named standbys stream'))),
    async check(ctx) {
      const s = checked.put(ctx, await syncState(op, h, ctx, []))
      const primaryOk = s.up.facts.syncNames === s.wantPrimary || !satisfiable(s.wantPrimary, s.streamingNames)
      return primaryOk && s.standbys.every((f) => f.facts.syncNames === syncNames(c, f.member.name))
    },
    async run(ctx, report) {
      const s = checked.take(ctx) ?? (await syncState(op, h, ctx, []))
      await Promise.all(s.standbys.filter((f) => f.facts.syncNames !== syncNames(c, f.member.name)).map((f) => setSync(op, f, syncNames(c, f.member.name))))
      if (s.up.facts.syncNames === s.wantPrimary) return report({ message: `synchronous_standby_names = '${s.wantPrimary}'` })
      if (!satisfiable(s.wantPrimary, s.streamingNames)) {
        return report({ message: `synchronous_standby_names not applied on ${s.up.member.name}: '${s.wantPrimary}' needs more synchronous standbys streaming than now (${s.streamingNames.join(', ') || 'none'}); writes would wait for ever` })
      }
      await setSync(op, s.up, s.wantPrimary)
      report({ message: `synchronous_standby_names = '${s.wantPrimary}' on ${s.up.member.name}` })
    },
    async undo(ctx) {
      const s = await syncState(op, h, ctx, [member.name])
      const value = degradedSyncValue(c, s.wantPrimary, s.streamingNames.filter((n) => n !== member.name))
      await Promise.all([
        ...(s.up.facts.syncNames !== value ? [setSync(op, s.up, value)] : []),
        ...s.standbys.filter((f) => f.member.name !== member.name).map((f) => setSync(op, f, syncNames(c, f.member.name, [member.name]))),
      ])
    },
  }
}
