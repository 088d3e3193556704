import { mkdir, mkdtemp, readFile, readdir, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import { ClusterLease, type LeaseRequest } from './lease'
import { FAKE_MEMBERS } from '../../../e2e/support/operations/fake-operation'
import { createLocalHosts, type LocalHosts } from '../../../e2e/support/operations/local-hosts'
import { holdLeaseInChild, makeWorld } from '../../../e2e/support/operations/setup'

async function hostsIn(): Promise<LocalHosts> {
  return createLocalHosts(await mkdtemp(join(tmpdir(), 'rd-lease-')), FAKE_MEMBERS)
}

const request = (hosts: LocalHosts, over: Partial<LeaseRequest> = {}): LeaseRequest => ({
  remote: hosts,
  clusterId: 'c1',
  members: FAKE_MEMBERS,
  instanceId: 'me',
  operationId: 'op-1',
  root: 'leases',
  ttlSeconds: 30,
  ...over,
})

const ownerOn = async (hosts: LocalHosts, host: string, cluster = 'c1') =>
  (await readFile(join(hosts.dirOf(host), 'leases', cluster, 'owner'), 'utf8')).trim().split('\n')

/** The winner's grant is on a majority, and no member names anyone else. Returns its instance id. */
async function expectSoleOwner(hosts: LocalHosts, winner: ClusterLease): Promise<string> {
  const owners = (await Promise.all(FAKE_MEMBERS.map((h) => ownerOn(hosts, h).catch(() => undefined)))).filter((o) => o !== undefined)
  expect(winner.heldOn.length).toBeGreaterThanOrEqual(2)
  expect(owners.length).toBe(winner.heldOn.length)
  expect(new Set(owners.map((o) => o[0])).size).toBe(1)
  return owners[0]![0]!
}

const refusal = (p: Promise<unknown>) => p.then(() => expect.fail('expected a refusal'), (e: unknown) => e as AppError)

describe('cluster lease', { timeout: 30_000 }, () => {
  it('is a directory per member with the owner and an expiry on the member clock, removed on release', async () => {
    const hosts = await hostsIn()
    await hosts.setClock('db3', 5000) // a member whose clock is far ahead writes its own time
    const before = Math.floor(Date.now() / 1000)
    const lease = await ClusterLease.acquire(request(hosts))
    expect(lease.heldOn.sort()).toEqual(['db1', 'db2', 'db3'])
    const [inst, op, expiry] = await ownerOn(hosts, 'db1')
    expect([inst, op]).toEqual(['me', 'op-1'])
    expect(Number(expiry) - before).toBeGreaterThanOrEqual(30)
    expect(Number(expiry) - before).toBeLessThan(33)
    expect(Number((await ownerOn(hosts, 'db3'))[2]) - before).toBeGreaterThanOrEqual(5030)
    await lease.release()
    for (const h of FAKE_MEMBERS) expect(await readdir(join(hosts.dirOf(h), 'leases'))).toEqual([])
  })

  it('needs a majority: one member down is fine, two are not, and the error names them', async () => {
    const hosts = await hostsIn()
    hosts.down.add('db3')
    const lease = await ClusterLease.acquire(request(hosts))
    expect(lease.heldOn.sort()).toEqual(['db1', 'db2'])
    await lease.release()
    hosts.down.add('db2')
    const err = await refusal(ClusterLease.acquire(request(hosts, { operationId: 'op-2' })))
    expect(err.code).toBe('ssh_connect')
    expect(err.message).toMatch(/1 of 3 members granted the cluster lease, 2 are needed/)
    expect(err.message).toMatch(/Cannot reach db2/)
    expect(err.message).toMatch(/Cannot reach db3/)
    // The one grant it got was given back.
    expect(await readdir(join(hosts.dirOf('db1'), 'leases'))).toEqual([])
  })

  it('lets exactly one of many concurrent requesters win', async () => {
    const hosts = await hostsIn()
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => ClusterLease.acquire(request(hosts, { instanceId: `inst-${i}`, operationId: `op-${i}` }))),
    )
    const winners = results.filter((r) => r.status === 'fulfilled')
    expect(winners).toHaveLength(1)
    for (const r of results) if (r.status === 'rejected') expect((r.reason as AppError).code).toBe('conflict')
    await expectSoleOwner(hosts, (winners[0] as PromiseFulfilledResult<ClusterLease>).value)
    const winner = (winners[0] as PromiseFulfilledResult<ClusterLease>).value
    await winner.release()
  })

  it('is stolen only once expired by each member clock, and only by one of several stealers', async () => {
    const hosts = await hostsIn()
    await ClusterLease.acquire(request(hosts, { instanceId: 'old', operationId: 'op-old', ttlSeconds: 100 }))
    await hosts.setClock('db1', 150) // expired on db1 only: not a majority
    const err = await refusal(ClusterLease.acquire(request(hosts)))
    expect(err.code).toBe('conflict')
    expect(err.message).toMatch(/db2, db3 are held by ReplicaDesk instance "old" \(operation op-old\)/)
    expect(err.message).toMatch(/expiring in (99|100) s by db2's clock/)
    // The refused request stole db1 (expired there) and then gave it back: db1 is free now.
    expect(await readdir(join(hosts.dirOf('db1'), 'leases'))).toEqual([])
    await hosts.setClock('db2', 150)
    await hosts.setClock('db3', 150)
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, (_, i) => ClusterLease.acquire(request(hosts, { instanceId: `thief-${i}`, operationId: `op-${i}` }))),
    )
    const winners = results.filter((r) => r.status === 'fulfilled')
    expect(winners).toHaveLength(1)
    const owner = await expectSoleOwner(hosts, (winners[0] as PromiseFulfilledResult<ClusterLease>).value)
    expect(owner).toMatch(/^thief-/)
  })

  it('recovers from a script killed mid-way: an owner-less lease dir, a leftover mutex', async () => {
    const hosts = await hostsIn()
    // A requester killed between its mkdir and writing the owner: held for one ttl.
    for (const h of FAKE_MEMBERS) await mkdir(join(hosts.dirOf(h), 'leases', 'c1'), { recursive: true })
    const err = await refusal(ClusterLease.acquire(request(hosts)))
    expect(err.message).toMatch(/held by a ReplicaDesk that was stopped while taking the lease/)
    // A script killed inside the mutex: the mutex blocks changes until it is stale.
    for (const h of FAKE_MEMBERS) await mkdir(join(hosts.dirOf(h), 'leases', '.c1.mutex'))
    const busy = await refusal(ClusterLease.acquire(request(hosts, { ttlSeconds: 1 })))
    expect(busy.message).toMatch(/db1 stayed busy with other lease requests/)
    for (const h of FAKE_MEMBERS) await hosts.setClock(h, 60) // both now stale by the members' clocks
    const lease = await ClusterLease.acquire(request(hosts))
    expect(lease.heldOn).toHaveLength(3)
    expect((await ownerOn(hosts, 'db1'))[0]).toBe('me')
    await lease.release()
    expect(await readdir(join(hosts.dirOf('db1'), 'leases'))).toEqual([])
  })

  it('renews on the member clock, and reports a lease stolen after it ran out', async () => {
    const hosts = await hostsIn()
    const lease = await ClusterLease.acquire(request(hosts, { ttlSeconds: 50 }))
    const first = Number((await ownerOn(hosts, 'db2'))[2])
    await hosts.setClock('db2', 20)
    await lease.renew()
    expect(Number((await ownerOn(hosts, 'db2'))[2])).toBeGreaterThanOrEqual(first + 20)
    for (const h of FAKE_MEMBERS) await hosts.setClock(h, 500)
    await ClusterLease.acquire(request(hosts, { instanceId: 'other', operationId: 'op-9' }))
    const err = await refusal(lease.renew())
    expect(err.code).toBe('conflict')
    expect(err.message).toMatch(/Lost the lease on cluster c1/)
    expect(lease.lost).toBe(err)
    // Release never removes another instance's lease.
    await lease.release()
    expect((await ownerOn(hosts, 'db1'))[0]).toBe('other')
  })

  it('passes every value as a positional parameter and refuses names that are not plain', async () => {
    const hosts = await hostsIn()
    const root = `lease root 'with' $(touch pwned) "quotes"`
    const lease = await ClusterLease.acquire(request(hosts, { root }))
    expect((await stat(join(hosts.dirOf('db1'), root, 'c1', 'owner'))).isFile()).toBe(true)
    await expect(stat(join(hosts.dirOf('db1'), 'pwned'))).rejects.toThrow()
    await lease.release()
    for (const clusterId of ['../etc', 'a/b', '$(id)', '']) {
      expect((await refusal(ClusterLease.acquire(request(hosts, { clusterId })))).code).toBe('invalid_input')
    }
    expect((await refusal(ClusterLease.acquire(request(hosts, { instanceId: 'two words' })))).code).toBe('invalid_input')
  })

  it('held by another instance in another process blocks, even after that process dies, until it expires', async () => {
    const world = await makeWorld()
    const holder = await holdLeaseInChild(world, 'other-laptop', 3)
    try {
      const err = await refusal(world.ops.runOperation(world.def()))
      expect(err.code).toBe('conflict')
      expect(err.message).toMatch(/held by ReplicaDesk instance "other-laptop" \(operation \d{8}-\d{6}-fake-replica-[0-9a-f]+\)/)
      // The holder keeps renewing: after the first ttl it still blocks.
      await new Promise((r) => setTimeout(r, 3500))
      expect((await refusal(world.ops.runOperation(world.def()))).code).toBe('conflict')
    } finally {
      await holder.kill()
    }
    // Dead, but its lease has not run out on the members' clocks yet.
    expect((await refusal(world.ops.runOperation(world.def()))).message).toMatch(/other-laptop/)
    for (const h of FAKE_MEMBERS) await world.hosts.setClock(h, 10)
    const done = await world.ops.runOperation(world.def())
    expect(done.status).toBe('succeeded')
    expect(await world.events.length).toBeGreaterThan(0)
    expect(await world.ops.listOperations()).toHaveLength(1) // the refusals journaled nothing
  }, 30_000)
})
