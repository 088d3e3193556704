// MariaDB role changes on Debian's own server, through `sudo -n` and the mariadb unit (the lab's
// systemctl stand-in): a plain primary m1 on host1 and Debian's server m3 on host3 as its
// replica; a switchover to the Debian member and back (nothing lost: the rows match), the
// Debian member fenced (server stopped, the unit disabled, a start refused), then rejoined
// (it follows m1 again, the unit enabled, the fence gone).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanupHosts, clusterOf, debianMember, makeReplicaWorld, plainMember, sqlOn, type ReplicaWorld } from '../../../../e2e/support/mariadb/replica-world'
import { rolesNow } from '../../../../e2e/support/mariadb/roles-cluster'
import { assessMariaSwitchover } from './assess'
import { fenceMarker } from './fence'
import { startMember } from './instance'
import { parseCluster, type MariaCluster } from './model'
import { MariaNode } from './node'

const HOSTS = ['host1', 'host3']
let w: ReplicaWorld
let c: MariaCluster

const ok = (s: { status: string; error?: { message: string } }) => expect(s.error?.message ?? s.status).toBe('succeeded')
const sql = (member: string, text: string) => sqlOn(w, member === 'm3' ? 'host3' : 'host1', text, member === 'm3')
const unitEnabled = async () => (await w.asRoot('host3', ['sh', '-c', 'systemctl is-enabled -q mariadb && echo enabled || echo disabled'])).trim()

async function switchTo(to: string): Promise<void> {
  const a = assessMariaSwitchover(c, await w.engine.readPositions(c), to)
  ok((await w.run(w.engine.switchover({ cluster: c, from: a.from!, to, assessment: a }))).summary)
  expect((await rolesNow(w, c)).primary).toEqual([to])
}

beforeAll(async () => {
  w = await makeReplicaWorld()
  await cleanupHosts(w, HOSTS, { debian: ['host3'] })
  const addr = (h: string) => w.ctx.host(h).address
  c = parseCluster(clusterOf('mdeb', [plainMember('m1', 'host1', addr('host1'), 1), debianMember('m3', 'host3', addr('host3'), 3)]))
  ok((await w.run(w.engine.createCluster({ cluster: { ...c, members: [c.members[0]!] }, primary: 'm1', mode: 'init' }))).summary)
  ok((await w.run(w.engine.addReplica({ cluster: c, member: 'm3' }))).summary)
  await sql('m1', 'CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY); INSERT INTO app.t SELECT seq FROM app.seq_1_to_100')
}, 180_000)

afterAll(async () => {
  if (!w) return
  await cleanupHosts(w, HOSTS, { debian: ['host3'] })
  await w.close()
})

describe('MariaDB role changes on the Debian layout (sudo -n, the mariadb unit)', () => {
  it('switches over to Debian\'s own server and back: every row on both, the drop-in follows the role', async () => {
    await switchTo('m3')
    await sql('m3', 'INSERT INTO app.t VALUES (101)')
    expect(await w.asRoot('host3', ['grep', '-h', 'read_only', '/etc/mysql/mariadb.conf.d/60-replicadesk.cnf'])).toMatch(/read_only = OFF/)
    await switchTo('m1')
    await sql('m1', 'INSERT INTO app.t VALUES (102)')
    const end = Date.now() + 10_000
    while ((await sql('m3', 'SELECT COUNT(*) FROM app.t')) !== '102' && Date.now() < end) await new Promise((r) => setTimeout(r, 100))
    expect(await sql('m3', 'SELECT COUNT(*) FROM app.t')).toBe('102')
    expect(await sql('m3', 'SELECT @@read_only')).toBe('1')
  }, 120_000)

  it('fences the Debian member (stopped, the unit disabled, a start refused), then rejoins it', async () => {
    ok((await w.run(w.engine.fence({ cluster: c, member: 'm3' }))).summary)
    expect(await unitEnabled()).toBe('disabled')
    expect((await w.asRoot('host3', ['sh', '-c', `test -f ${fenceMarker(c.members[1]!)} && echo fenced`])).trim()).toBe('fenced')
    await expect(startMember(new MariaNode(w.hosts, c.members[1]!))).rejects.toThrow(/fenced/i)
    c = { ...c, fenced: ['m3'] }
    ok((await w.run(w.engine.rejoin({ cluster: c, member: 'm3' }))).summary)
    c = { ...c, fenced: [] }
    expect(await unitEnabled()).toBe('enabled')
    expect((await rolesNow(w, c)).replicating).toEqual(['m3<-m1'])
    expect(await sql('m3', 'SELECT COUNT(*) FROM app.t')).toBe('102')
  }, 120_000)
})
