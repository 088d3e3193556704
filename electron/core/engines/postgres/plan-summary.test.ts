// The plain sentences every plan opens with, per operation kind (pure): what changes, what is
// copied and how long it should take, how long writes pause, what can be lost — with numbers.
import { describe, expect, it } from 'vitest'
import type { RoleChangeAssessment } from '../../../../shared/operations'
import { addReplicaParams } from './add-replica'
import { addReplicaSummary } from './add-replica/summary'
import { createClusterParams } from './create-cluster'
import { createClusterSummary } from './create-cluster/summary'
import { failoverParams } from './failover'
import { failoverSummary } from './failover/summary'
import { fenceParams } from './fence-member'
import { fenceSummary } from './fence-summary'
import { installSummary } from './install-summary'
import { parseCluster, type PgCluster } from './model'
import { handoverParams } from './patroni/handover'
import { handoverSummary } from './patroni/summary'
import { copyTime, switchoverPause } from './plan-words'
import { rejoinParams } from './rejoin'
import { rejoinSummary } from './rejoin/summary'
import { removeReplicaParams } from './remove-replica'
import { removeReplicaSummary } from './remove-replica/summary'
import { settingsParams } from './settings/apply-settings'
import { settingsSummary } from './settings/summary'
import { switchoverParams } from './switchover'
import { switchoverSummary } from './switchover/summary'

const cluster = (over: Record<string, unknown> = {}): PgCluster =>
  parseCluster({
    id: 'home',
    major: '15',
    members: ['pg1', 'pg2', 'pg3'].map((n, i) => ({ name: n, host: `host${i + 1}`, address: `10.0.0.${i + 1}`, dataDir: `/srv/pg/${n}`, access: 'postgres', sync: n === 'pg2' })),
    ...over,
  })
const c = cluster()
const view = (name: string, behindBytes: number) => ({ name, host: name.replace('pg', 'host'), reachable: true, lsn: '0/3000000', behindBytes, sync: false, priority: 100, neverPromote: false })

describe('plan summaries', () => {
  it('states copy times and write pauses in numbers', () => {
    expect(copyTime(246e6)).toBe('246.0 MB, about 2 s at 100 MB/s (a 1 Gbit/s network; a slower disk or network takes longer)')
    expect(copyTime(12e9)).toMatch(/^12000\.0 MB, about 2 min 00 s at 100 MB\/s/)
    expect(copyTime(null)).toMatch(/could not be read now/)
    expect(switchoverPause(0)).toBe('about 0.3 s')
    expect(switchoverPause(50e6)).toBe('about 0.8 s (it is 50.0 MB behind: the stop waits for that too)')
  })

  it('create and adopt: what is made, nothing copied, the restart an adopt may need', () => {
    const init = createClusterSummary(createClusterParams.parse({ cluster: { ...c, members: [c.members[0]] }, primary: 'pg1', mode: 'init' }))
    expect(init[0]).toBe('A new PostgreSQL 15 server, pg1, is created in host1:/srv/pg/pg1 (initdb with data checksums) and started on port 5432 as the primary of cluster home.')
    expect(init.join(' ')).toMatch(/Nothing is copied.*Nothing existing can be lost/)
    const adopt = createClusterSummary(createClusterParams.parse({ cluster: { ...c, members: [c.members[0]] }, primary: 'pg1', mode: 'adopt' }))
    expect(adopt.join(' ')).toMatch(/becomes pg1, the primary of cluster home; its data stays as it is.*writes then pause for the restart/)
  })

  it('add a replica: the copy with its size and time; no write pause', () => {
    const s = addReplicaSummary(addReplicaParams.parse({ cluster: c, member: 'pg3' }), 246e6)
    expect(s[0]).toBe('pg3 on host3 becomes a new asynchronous replica of cluster home, streaming from its primary.')
    expect(s[1]).toBe("The primary's data is copied to host3:/srv/pg/pg3 with pg_basebackup: 246.0 MB, about 2 s at 100 MB/s (a 1 Gbit/s network; a slower disk or network takes longer).")
    expect(s[2]).toMatch(/^Writes do not pause .*nothing can be lost\.$/)
    expect(addReplicaSummary(addReplicaParams.parse({ cluster: c, member: 'pg2', overwrite: true }), null).join(' ')).toMatch(/could not be read now.*deleted first \(you confirmed it\).*synchronous_standby_names/)
  })

  it('remove a replica: what goes, the data dir kept or deleted', () => {
    expect(removeReplicaSummary(removeReplicaParams.parse({ cluster: c, member: 'pg3' })).join(' ')).toMatch(/pg3 on host3 leaves cluster home \(2 members stay\).*stays \(not deleted\)/)
    expect(removeReplicaSummary(removeReplicaParams.parse({ cluster: c, member: 'pg2', deleteData: true })).join(' ')).toMatch(/taken out of synchronous_standby_names first.*is deleted \(you confirmed it\): that cannot be undone/)
  })

  it('switchover: the write pause in seconds (the target\'s lag included), nothing lost', () => {
    const assessment: RoleChangeAssessment = { from: 'pg1', to: 'pg2', loss: { kind: 'none', bytes: 0, text: 'None.' }, candidates: [view('pg2', 0), view('pg3', 0)], warnings: [], reason: 'synchronous replicas are tried first: pg2 is synchronous, pg3 is not' }
    const s = switchoverSummary(switchoverParams.parse({ cluster: c, from: 'pg1', to: 'pg2', assessment }), assessment)
    expect(s).toEqual([
      'pg2 on host2 becomes the primary; pg1 stops and restarts as its standby, and pg3 follows pg2.',
      'Writes pause for about 0.3 s, from pg1\'s stop until pg2 is promoted; clients then reconnect to pg2.',
      "Nothing is copied, and nothing acknowledged is lost: pg2 is promoted only once it has replayed pg1's last checkpoint.",
    ])
    const withAddress = cluster({ serviceAddress: { address: '10.0.0.50', prefix: 24, interfaces: {} } })
    expect(switchoverSummary(switchoverParams.parse({ cluster: withAddress, from: 'pg1', to: 'pg3' }))[1]).toMatch(/through the service address 10\.0\.0\.50, which moves with the primary/)
  })

  it('failover: the fence, the data at risk from the assessment, how long writes are impossible', () => {
    const assessment: RoleChangeAssessment = { from: 'pg1', to: 'pg3', loss: { kind: 'bound', bytes: 2048, seconds: 1.5, text: 'At least 2048 bytes (…), plus whatever pg1 wrote in the 1.5 s since it was last seen.' }, candidates: [view('pg2', 4096), view('pg3', 0)], warnings: [], reason: 'pg3 received the most WAL (4096 bytes more than pg2)' }
    const s = failoverSummary(failoverParams.parse({ cluster: c, from: 'pg1', to: 'pg3', assessment, fenceTimeoutMs: 250 }))
    expect(s[0]).toBe('pg3 on host3 becomes the primary in place of pg1; pg2 follows it.')
    expect(s[1]).toMatch(/^pg1 is fenced first if it answers within 0\.25 s/)
    expect(s[2]).toBe('Data that may be lost: at least 2048 bytes (…), plus whatever pg1 wrote in the 1.5 s since it was last seen.')
    expect(s[3]).toBe('No member accepts writes from the moment the primary is lost (or fenced) until pg3 is promoted, usually under a second after you confirm; nothing is copied.')
  })

  it('rejoin, fence, settings, hand-over and install each say what changes and what can be lost', () => {
    expect(rejoinSummary(rejoinParams.parse({ cluster: c, member: 'pg1' }), null).join(' ')).toMatch(/pg_rewind copies only the blocks that changed.*exist only on pg1 .* are thrown away/)
    expect(rejoinSummary(rejoinParams.parse({ cluster: c, member: 'pg1', rebuild: true }), 1e9)[1]).toMatch(/copied afresh from the primary with pg_basebackup: 1000\.0 MB, about 10 s at 100 MB\/s/)
    expect(fenceSummary(fenceParams.parse({ cluster: c, member: 'pg1' })).join(' ')).toMatch(/pg1 on host1 is stopped and fenced: it never starts as a primary again until it rejoins/)
    const asyncNow = cluster({ members: c.members.map((m) => ({ ...m, sync: false })) })
    const s = settingsSummary(settingsParams.parse({ cluster: asyncNow, previous: c }))
    expect(s[0]).toMatch(/^2 settings change: replication mode ANY 1 of 1 \(pg2\) → asynchronous; pg2: synchronous yes → no\.$/)
    expect(s.join(' ')).toMatch(/a reload on every member: nothing restarts, writes do not pause.*From then on a commit is acknowledged before any replica has it/)
    const restart = settingsSummary(settingsParams.parse({ cluster: cluster({ maxWalSenders: 20 }), previous: c, switchover: { from: 'pg1', to: 'pg2', back: true } }))
    expect(restart.join(' ')).toMatch(/max_wal_senders takes a restart: the standbys restart one at a time.*pg1 \(the primary\) restarts through a switchover to pg2 and back: writes pause for about 0\.3 s each time/)
    expect(settingsSummary(settingsParams.parse({ cluster: c, previous: c }))[0]).toMatch(/^Nothing changes in the record of home/)
    const counted = settingsSummary(settingsParams.parse({ cluster: cluster({ desiredReplicas: 1 }), previous: c, replicas: { remove: [{ member: 'pg3', why: 'asynchronous' }] } }))
    expect(counted.join(' ')).toMatch(/desired replicas 2 → 1.*pg3 leaves the cluster: stopped, its data dir stays/)
    expect(handoverSummary(handoverParams.parse({ cluster: c })).join(' ')).toMatch(/handed over to Patroni \+ etcd \(etcd voters on host1, host2 and host3\).*Nothing is copied.*writes do not pause/)
    const install = installSummary({ host: 'pi3', major: '15', method: 'conf', mainExisted: false, access: 'sudo', downloadBytes: 45e6 })
    expect(install[0]).toBe("PostgreSQL 15 is installed on pi3 from the distribution's packages (sudo -n apt-get install -y postgresql-15); apt downloads 45.0 MB, about 5 s at 10 MB/s, plus the time to unpack.")
    expect(install.join(' ')).toMatch(/No default main cluster is created.*nothing can be lost/)
  })
})
