// The plain sentences a settings plan opens with (pure): what changes, how it is applied (a
// reload; restarts one standby at a time; the primary through a switchover), the replicas added
// or removed for the count wanted, whether writes pause or may wait, and what a failover may
// lose afterwards.
import { listed, switchoverPause } from '../plan-words'
import type { SettingsParams } from './apply-settings'
import { recordChanges } from './changes'
import { replicaSentences } from './replica-count'

const SHOWN = 4

export function settingsSummary(p: SettingsParams): string[] {
  const changes = recordChanges(p.previous, p.cluster)
  const copies = !!p.replicas?.add.length
  if (!changes.length) return [`Nothing changes in the record of ${p.cluster.id}: ReplicaDesk's values are applied again on every member and read back (this puts drifted values back).`, copies ? 'Writes do not pause; nothing is lost.' : 'Writes do not pause; nothing is copied or lost.', ...replicaSentences(p.replicas)]
  const named = changes.slice(0, SHOWN).map((c) => `${c.setting} ${c.from} → ${c.to}`)
  const more = changes.length > SHOWN ? ` and ${changes.length - SHOWN} more` : ''
  const out = [`${changes.length === 1 ? 'One setting changes' : `${changes.length} settings change`}: ${named.join('; ')}${more}.`]
  const restart = changes.filter((c) => c.restart).map((c) => c.setting)
  out.push(
    restart.length
      ? `Applied with ALTER SYSTEM and a reload on every member; ${listed(restart)} take${restart.length === 1 ? 's' : ''} a restart: the standbys restart one at a time, each streaming again before the next.`
      : `Applied with ALTER SYSTEM and a reload on every member: nothing restarts, writes do not pause${copies ? '' : ', nothing is copied'}.`,
  )
  out.push(...replicaSentences(p.replicas))
  const s = p.switchover
  if (s) out.push(`${s.from} (the primary) restarts through a switchover to ${s.to}${s.back ? ` and back` : ''}: writes pause for ${switchoverPause(0)}${s.back ? ' each time' : ''}; nothing acknowledged is lost.`)
  else if (restart.length) out.push('The primary keeps the old value until it is restarted (switch over away from it); writes do not pause.')
  const r = p.replicas
  if (r?.add.length) out.push(`${listed(r.add.map((x) => `${x.member.name} on ${x.member.host}`))} ${r.add.length === 1 ? 'is added as a replica' : 'are added as replicas'}: each a full copy of the primary with pg_basebackup (about 10 s per GB at 100 MB/s); writes do not pause.`)
  if (r?.remove.length) out.push(`${listed(r.remove.map((x) => x.member))} ${r.remove.length === 1 ? 'leaves' : 'leave'} the cluster: stopped, ${r.remove.length === 1 ? 'its data dir stays' : 'their data dirs stay'}; nothing acknowledged is lost.`)
  if (p.blockWrites) out.push('You confirmed that writes may wait until enough synchronous replicas stream.')
  const mode = changes.find((c) => c.setting === 'replication mode')
  if (mode?.meaning) out.push(`From then on ${mode.meaning}`)
  return out
}
