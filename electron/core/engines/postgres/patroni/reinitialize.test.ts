// Rebuild through Patroni (POST /reinitialize): who may be rebuilt, and what the plan says and runs.
import { describe, expect, it } from 'vitest'
import { patroniCluster as c, patroniView as status, running } from '../../../../../e2e/support/patroni/fixtures'
import type { HostExec } from '../../host-exec'
import { parseCluster } from '../model'
import { buildPatroniReinitialize, patroniReinitializeParams, refuseLeader, reinitializeSummary } from './reinitialize'

const handed = parseCluster({ ...c, automatic: { mode: 'patroni', scope: 'pt', restApiPort: 8008, etcdHosts: ['host1', 'host2', 'host3'] } })
const noHosts: HostExec = { exec: () => Promise.reject(new Error('not in a plan')) }

describe('rebuild through Patroni', () => {
  it('refuses the leader, a cluster without a leader and a member Patroni does not know', () => {
    expect(() => refuseLeader(c, status, 'pt2')).not.toThrow()
    expect(() => refuseLeader(c, status, 'pt1')).toThrow(/pt1 is Patroni's leader: it cannot be rebuilt. Switch over first \(replicadesk switchover pt\)/)
    expect(() => refuseLeader(c, { leader: null, members: [running('pt2', 'replica')] }, 'pt2')).toThrow(/no leader for pt: there is nothing to copy from/)
    expect(() => refuseLeader(c, status, 'pt9')).toThrow(/Patroni does not know pt9/)
  })

  it('plans POST /reinitialize on the member\'s own host as postgres, bounded, and says the data dir is wiped', async () => {
    const p = patroniReinitializeParams.parse({ cluster: handed, member: 'pt3' })
    const steps = buildPatroniReinitialize(noHosts, p)
    expect(steps.map((s) => s.id)).toEqual(['preflight', 'reinitialize', 'verify'])
    const [post] = await steps[1]!.plan({ params: p } as never)
    expect(post).toMatchObject({ host: 'host3', runAs: 'postgres' })
    expect(post!.argv).toEqual(expect.arrayContaining(['POST', 'http://10.0.0.13:8008/reinitialize', '30', 'pt3']))
    expect(reinitializeSummary(p, 2e9)[0]).toMatch(/data dir \/srv\/pt3 is wiped \(you confirmed it\) and copied afresh from the leader: \d[\d,. ]*[MG]B, about/)
  })
})
