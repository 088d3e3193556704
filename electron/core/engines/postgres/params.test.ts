// The operations' params schemas and the engine's own look-ups say the same thing, with the
// same code, for a member name the cluster does not have; and a read handed from step to step
// stays within its attempt.
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../../shared/errors'
import { addReplicaParams } from './add-replica'
import { assessSwitchover } from './assess'
import { createClusterParams } from './create-cluster'
import { failoverParams } from './failover'
import { fenceParams } from './fence-member'
import { Handoff } from '../handoff'
import { memberOf, parseCluster } from './model'
import { rejoinParams } from './rejoin'
import { removeReplicaParams } from './remove-replica'
import type { Seen } from './roles'
import { switchoverParams } from './switchover'

const cluster = parseCluster({
  id: 'c1',
  major: '15',
  members: ['db1', 'db2'].map((n, i) => ({ name: n, host: `h${i + 1}`, address: `10.0.0.${i + 1}`, dataDir: `/d/${n}`, access: 'postgres' })),
})
const assessment = { from: 'db1', to: 'db2', loss: { kind: 'none' as const, text: 'None' }, candidates: [], warnings: [] }

describe('a member the cluster does not have', () => {
  it.each([
    ['add replica', addReplicaParams, { cluster, member: 'db9' }, 'member'],
    ['rejoin', rejoinParams, { cluster, member: 'db9' }, 'member'],
    ['remove replica', removeReplicaParams, { cluster, member: 'db9' }, 'member'],
    ['fence', fenceParams, { cluster, member: 'db9' }, 'member'],
    ['create cluster', createClusterParams, { cluster, primary: 'db9', mode: 'init' }, 'primary'],
    ['switchover (to)', switchoverParams, { cluster, from: 'db1', to: 'db9' }, 'to'],
    ['switchover (from)', switchoverParams, { cluster, from: 'db9', to: 'db2' }, 'from'],
    ['failover (to)', failoverParams, { cluster, from: 'db1', to: 'db9', assessment }, 'to'],
    ['failover (from)', failoverParams, { cluster, from: 'db9', to: 'db2', assessment }, 'from'],
  ] as const)('%s: one wording, at its field', (_what, schema, input, field) => {
    const r = schema.safeParse(input)
    expect(r.success).toBe(false)
    expect(r.error!.issues).toContainEqual(expect.objectContaining({ path: [field], message: `Cluster c1 has no member named db9` }))
  })

  it('is invalid input wherever the engine looks a member up, in the same words', () => {
    const primary: Seen = { member: cluster.members[0]!, pos: { inRecovery: false, readOnly: false, lsn: '0/3000000', replayLsn: null, receiver: null, upstream: null, conninfo: '', syncNames: '', senders: [] } }
    const lookups = [() => memberOf(cluster, 'db9'), () => assessSwitchover(cluster, [primary], 'db9')]
    for (const f of lookups) {
      expect(f).toThrow(AppError)
      expect(f).toThrow('Cluster c1 has no member named db9.')
      try {
        f()
      } catch (e) {
        expect((e as AppError).code).toBe('invalid_input')
      }
    }
  })

  it('a known name passes every schema', () => {
    expect(fenceParams.safeParse({ cluster, member: 'db2' }).success).toBe(true)
    expect(failoverParams.safeParse({ cluster, from: null, to: 'db2', assessment }).success).toBe(true)
  })
})

describe('a read handed from step to step', () => {
  it('is seen only by the attempt that handed it along', () => {
    const h = new Handoff<string>('what was read')
    const first = { operationId: 'op-1', attempt: 1 }
    h.put(first, 'read in attempt 1')
    expect(h.get(first)).toBe('read in attempt 1')
    expect(h.get({ operationId: 'op-1', attempt: 2 })).toBeUndefined()
    expect(h.get({ operationId: 'op-2', attempt: 1 })).toBeUndefined()
    expect(h.take(first)).toBe('read in attempt 1')
    expect(h.get(first)).toBeUndefined()
  })
})
