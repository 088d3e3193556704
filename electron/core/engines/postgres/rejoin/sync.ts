// sync, last: a synchronous member is named again in synchronous_standby_names (a failover left
// it out while it was fenced): on the other standbys as the record says, on the primary only
// as far as the standbys streaming now satisfy (never a setting that makes writes wait for
// ever). The check reads every other member on every attempt.
import type { Step } from '../../../operations'
import type { RejoinParams } from '../rejoin'
import type { PgCluster } from '../model'
import { isUp, readPosition } from '../roles'
import { alterSystem } from '../statements'
import { degradedSyncValue, syncNames } from '../sync'
import type { RejoinOp } from './context'

export function syncAgainStep(op: RejoinOp): Step<RejoinParams> {
  const { c, member, others } = op
  const joined: PgCluster = { ...c, fenced: c.fenced.filter((n) => n !== member.name) }
  const wanted = async () => {
    const seen = (await Promise.all(others.map((n) => readPosition(n)))).filter(isUp)
    return seen.map((s) => {
      const want = syncNames(joined, s.member.name)
      const streamingNow = s.pos.senders.filter((x) => x.state === 'streaming').map((x) => x.name)
      return { s, want: s.pos.inRecovery ? want : degradedSyncValue(joined, want, streamingNow) }
    })
  }
  return {
    id: 'sync',
    title: member.sync ? `Name ${member.name} again in synchronous_standby_names` : `synchronous_standby_names (${member.name} is asynchronous: nothing to do)`,
    hosts: [...new Set(others.map((n) => n.host))],
    plan: () => (member.sync ? others.map((n) => n.planned(n.psql([alterSystem('synchronous_standby_names', syncNames(joined, n.name)), 'SELECT pg_reload_conf()'], 'where it differs; on the primary only as far as the streaming standbys satisfy'))) : []),
    check: async () => !member.sync || (await wanted()).every(({ s, want }) => s.pos.syncNames === want),
    async run(_ctx, report) {
      const todo = (await wanted()).filter(({ s, want }) => s.pos.syncNames !== want)
      await Promise.all(todo.map(({ s, want }) => others.find((n) => n.name === s.member.name)!.sql([alterSystem('synchronous_standby_names', want), 'SELECT pg_reload_conf()'])))
      report({ message: todo.length ? todo.map(({ s, want }) => `${s.member.name}: '${want || 'asynchronous'}'`).join('; ') : 'synchronous_standby_names already right' })
    },
  }
}
