// MariaDB rejoin against the lab, through the operations runner: two plain members m1 (primary,
// host1) and m2 (host2) built by the engine.
//   - m2 fenced (stopped, marker) and left behind while m1 takes writes: the rejoin starts it
//     read-only, it follows and catches up, and only then is its fence removed;
//   - the primary's binary logs purged past m2's position: refused, rebuild;
//   - m2 with an errant transaction (a write on it while it was out, read_only off by hand): the
//     rejoin is refused in pre-flight with the GTID in its message, nothing changes;
//   - the data-safety guard refuses a rebuild into a datadir that is another member's;
//   - the rebuild: m2's rows equal m1's afterwards, the errant row gone, m2 follows m1.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildRolesCluster, ROLE_HOSTS } from '../../../../e2e/support/mariadb/roles-cluster'
import { cleanupHosts, clusterOf, makeReplicaWorld, plainMember, sqlOn, type ReplicaWorld } from '../../../../e2e/support/mariadb/replica-world'
import { isFenced } from './fence'
import { parseCluster, type MariaCluster } from './model'
import { MariaNode } from './node'

let w: ReplicaWorld
let c: MariaCluster
const sql = (member: string, text: string) => sqlOn(w, c.members.find((m) => m.name === member)!.host, text)
const rowsOn = (member: string) => sql(member, 'SELECT COUNT(*), COALESCE(SUM(id), 0) FROM t.r; CHECKSUM TABLE t.r')
const node = (member: string) => new MariaNode(w.hosts, c.members.find((m) => m.name === member)!)
/** The member's replication as SHOW SLAVE STATUS prints it (source host, IO and SQL threads …). */
const slaveOf = (member: string) => sql(member, 'SHOW SLAVE STATUS')
let nextId = 1
const write = (member: string, n: number) => sql(member, Array.from({ length: n }, () => `INSERT INTO t.r VALUES (${nextId++}, '${member}')`).join(';'))

beforeAll(async () => {
  w = await makeReplicaWorld()
  const addr = (h: string) => w.ctx.host(h).address
  c = parseCluster(clusterOf('rj', [plainMember('m1', 'host1', addr('host1'), 1), plainMember('m2', 'host2', addr('host2'), 2)]))
  await buildRolesCluster(w, c)
  await sql('m1', 'CREATE DATABASE t; CREATE TABLE t.r (id INT PRIMARY KEY, who VARCHAR(8)) ENGINE=InnoDB')
  await write('m1', 5)
}, 120_000)

afterAll(async () => {
  if (!w) return
  await cleanupHosts(w, ROLE_HOSTS)
  await w.close()
})

it('rejoins a fenced member that is simply behind: started read-only, follows, then unfenced', async () => {
  const fenced = await w.run(w.engine.fence({ cluster: c, member: 'm2' }))
  expect(fenced.summary.error?.message ?? fenced.summary.status).toBe('succeeded')
  await write('m1', 20)
  const r = await w.run(w.engine.rejoin({ cluster: { ...c, fenced: ['m2'] }, member: 'm2' }))
  expect(r.summary.error?.message ?? r.summary.status).toBe('succeeded')
  expect(r.summary.steps.map((s) => s.id)).toEqual(['preflight', 'follow', 'caught-up', 'unfence'])
  expect(await rowsOn('m2')).toBe(await rowsOn('m1'))
  expect(await isFenced(node('m2'))).toBe(false)
  expect(await sql('m2', 'SELECT @@read_only, @@gtid_slave_pos = @@gtid_current_pos')).toBe('1\t1')
  const status = await slaveOf('m2')
  expect(status).toContain(c.members[0]!.address)
  expect(status).toMatch(/\tYes\tYes\t/)
  // Rejoining a member that already follows changes nothing and succeeds.
  const again = await w.run(w.engine.rejoin({ cluster: c, member: 'm2' }))
  expect(again.summary.status).toBe('succeeded')
}, 60_000)

it('refuses a member the purged binary logs no longer reach, and one with an errant transaction (GTIDs listed); the guard refuses another member\'s datadir, then the rebuild throws the errant row away', async () => {
  // The primary's binary logs purged past m2's position: it cannot simply follow either.
  await sql('m2', 'STOP SLAVE')
  await write('m1', 3)
  await sql('m1', 'FLUSH BINARY LOGS')
  // A log still read by m2's dump thread (it ends a moment after STOP SLAVE) is kept: purge until only the newest is left.
  const newest = (await sql('m1', 'SHOW MASTER STATUS')).split('\t')[0]
  for (let end = Date.now() + 10_000; (await sql('m1', 'SHOW BINARY LOGS')).split('\n').length > 1; ) {
    if (Date.now() > end) throw new Error('m1 kept its older binary logs')
    await sql('m1', `PURGE BINARY LOGS TO '${newest}'`)
    await new Promise((r) => setTimeout(r, 100))
  }
  const purged = await w.run(w.engine.rejoin({ cluster: c, member: 'm2' }))
  expect(purged.summary.status).toBe('failed')
  expect(purged.summary.error?.message).toMatch(/no longer has the binary logs m2 on host2 needs to catch up \(domain 0: m2 is at \d+, the oldest binary log of m1 starts after \d+\)/)

  await sql('m2', 'SET GLOBAL read_only = OFF')
  await sql('m2', "INSERT INTO t.r VALUES (1000, 'errant')")
  const errant = await sql('m2', 'SELECT @@gtid_binlog_pos')
  expect(errant).toMatch(/^0-2-\d+$/)
  await write('m1', 10)

  const refused = await w.run(w.engine.rejoin({ cluster: c, member: 'm2' }))
  expect(refused.summary.status).toBe('failed')
  expect(refused.summary.steps[0]).toMatchObject({ id: 'preflight', status: 'failed' })
  expect(refused.summary.error?.message).toContain(`errant GTIDs: ${errant}`)
  expect(refused.summary.error?.message).toMatch(/Rebuild it from a fresh copy/)
  expect(await sql('m2', 'SELECT who FROM t.r WHERE id = 1000')).toBe('errant')

  // Another cluster's member has this very datadir on host2: no rebuild deletes it.
  const m2 = c.members[1]!
  const guarded = await w.run(w.engine.rejoin({ cluster: c, member: 'm2', rebuild: true, knownDataDirs: [{ host: m2.host, dataDir: m2.dataDir }] }))
  expect(guarded.summary.status).toBe('failed')
  expect(guarded.summary.error?.message).toMatch(/will not empty \/srv\/mdb\/m2 on host2: it is the datadir of another member on this host/)
  expect(await sql('m2', 'SELECT who FROM t.r WHERE id = 1000')).toBe('errant')

  const t0 = performance.now()
  const rebuilt = await w.run(w.engine.rejoin({ cluster: c, member: 'm2', rebuild: true }))
  expect(rebuilt.summary.error?.message ?? rebuilt.summary.status).toBe('succeeded')
  console.log(`rebuild of m2: ${((performance.now() - t0) / 1000).toFixed(1)} s; steps ${rebuilt.summary.steps.map((s) => s.id).join(', ')}`)
  expect(await rowsOn('m2')).toBe(await rowsOn('m1'))
  expect(await sql('m2', 'SELECT COUNT(*) FROM t.r WHERE id = 1000')).toBe('0')
  expect(await sql('m2', 'SELECT @@read_only')).toBe('1')
  expect(await slaveOf('m2')).toMatch(/\tYes\tYes\t/)
  await write('m1', 3)
  const end = Date.now() + 10_000
  while ((await rowsOn('m2')) !== (await rowsOn('m1')) && Date.now() < end) await new Promise((r) => setTimeout(r, 100))
  expect(await rowsOn('m2')).toBe(await rowsOn('m1'))
}, 90_000)
