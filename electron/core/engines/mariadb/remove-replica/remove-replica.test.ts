// Removing a replica, the parts that need no server: the steps in order (delete-data only when
// confirmed), the params' refusals, the plan's sentences, and the delete script's guard run
// locally with sh on a scratch tree.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { HostExec } from '../../host-exec'
import { parseCluster } from '../model'
import { DELETE } from './delete-data'
import { buildRemoveReplica, removeReplicaParams, removeReplicaSummary } from '.'

const cluster = parseCluster({
  engine: 'mariadb',
  id: 'mc',
  members: [
    { name: 'm1', host: 'h1', address: '10.0.0.1', port: 3310, dataDir: '/srv/mdb/m1', serverId: 1 },
    { name: 'm2', host: 'h2', address: '10.0.0.2', port: 3310, dataDir: '/srv/mdb/m2', serverId: 2, layout: 'debian' },
  ],
})
const noHosts: HostExec = { exec: () => Promise.reject(new Error('no server in a unit test')) }

describe('remove-replica', () => {
  it('runs its steps in order, deleting the datadir only when confirmed', () => {
    const ids = (deleteData: boolean) => buildRemoveReplica(noHosts, removeReplicaParams.parse({ cluster, member: 'm2', deleteData })).map((s) => s.id)
    expect(ids(false)).toEqual(['preflight', 'stop-replication', 'stop', 'access'])
    expect(ids(true)).toEqual(['preflight', 'stop-replication', 'stop', 'access', 'delete-data'])
    expect(() => removeReplicaParams.parse({ cluster, member: 'm9' })).toThrow(/no member named m9/)
  })

  it('says what goes and what stays', () => {
    const s = removeReplicaSummary(removeReplicaParams.parse({ cluster, member: 'm2' }))
    expect(s[0]).toMatch(/^m2 on h2 leaves cluster mc \(1 member stays\).*RESET SLAVE ALL.*its unit disabled/)
    expect(s[2]).toMatch(/stays \(not deleted\)/)
    expect(removeReplicaSummary(removeReplicaParams.parse({ cluster, member: 'm2', deleteData: true }))[2]).toMatch(/is deleted \(you confirmed it\): that cannot be undone/)
  })

  describe('the delete script', () => {
    const root = mkdtempSync(join(tmpdir(), 'rd-maria-del-'))
    afterAll(() => rmSync(root, { recursive: true, force: true }))
    const del = (d: string, prot: string, keep = 'no') => spawnSync('sh', ['-c', DELETE, 'sh', d, prot, keep], { encoding: 'utf8' })

    it("removes the datadir, empties a kept one, refuses another member's and says why", () => {
      const d = join(root, 'm2')
      mkdirSync(join(d, 'db'), { recursive: true })
      writeFileSync(join(d, 'ibdata1'), 'x')
      const refused = del(root, d)
      expect(refused.status).toBe(4)
      expect(refused.stderr).toMatch(`refuse member-above ${d}`)
      expect(existsSync(join(d, 'ibdata1'))).toBe(true)
      expect(del(d, '', 'yes').status).toBe(0)
      expect(readdirSync(d)).toEqual([])
      expect(del(d, '').status).toBe(0)
      expect(existsSync(d)).toBe(false)
      expect(del(d, '').status).toBe(0) // gone already: nothing to do
    })
  })
})
