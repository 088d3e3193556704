// Patroni + etcd under faults, nobody watching (issue 19), in one lab world: the 3-member
// synchronous cluster handed over, then under the write probe
//   (a) a 1 s network blip of the leader's host: no failover (same leader, same timeline);
//   (b) the leader's network cut, with a writer INSIDE the cut host's namespace besides the probe on
//       the bridge: the cut primary stops acknowledging (sync mode: at once) and Patroni demotes it
//       before its key expires; the overlap (both acknowledging) is printed, 0 expected; nothing
//       acknowledged on either side is lost; healed, the old leader comes back as a replica;
//   (c) one etcd voter down: a switchover through Patroni works; two down: nobody fails over (the
//       primary is made read-only: failsafe_mode is off, see config.ts) and the status names the
//       voters down. Each scenario once here; SOAK=1 repeats the whole file (scripts/soak.mjs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cut, exec, heal, requireNetns, resetHost } from '../../../../../e2e/lab'
import { HA_HOSTS, startProbe } from '../../../../../e2e/support/postgres/ha-cluster'
import type { World } from '../../../../../e2e/support/postgres/lab-world'
import { copyUnitLogs, handedOverLab } from '../../../../../e2e/support/patroni/lab'
import { IdSource } from '../../../../../e2e/probe/ids'
import type { PgCluster } from '../model'
import { ETCD_UNIT, TIMINGS } from './config'
import { readPatroniStatus, type PatroniStatus } from './status'
import { wait } from './wait'

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms))
const TTL_MS = TIMINGS.ttl * 1000

describe('Patroni under faults: blip, cut with a writer inside, etcd voters down', () => {
  let w: World
  let c: PgCluster
  let pr: Awaited<ReturnType<typeof handedOverLab>>['pr']
  let lab: Awaited<ReturnType<typeof handedOverLab>> | undefined
  let stoppedEtcd: string[] = []

  beforeAll(async () => {
    requireNetns('Patroni fault tests: cut and blip of a host')
    lab = await handedOverLab('Patroni fault tests (blip, cut, etcd voters)')
    ;({ w, c, pr } = lab)
    await wait(20_000, async () => ((await readPatroniStatus(w.hosts, c)).members.some((m) => m.role === 'sync_standby') ? true : undefined))
  }, 240_000)

  afterAll(async () => {
    if (!lab) return
    try {
      await Promise.all(HA_HOSTS.map((h) => resetHost(h)))
      if (process.env.PATRONI_LAB_LOGS) await copyUnitLogs(w, c, process.env.PATRONI_LAB_LOGS)
      for (const h of stoppedEtcd) await w.tryRoot(h, ['systemctl', 'start', ETCD_UNIT]).catch(() => undefined)
    } finally {
      await lab.close()
    }
  }, 120_000)

  const hostOf = (name: string) => c.members.find((m) => m.name === name)!.host
  // The survivors as a cluster of their own: Patroni and etcd asked on their hosts only (the record's voters include the cut host).
  const without = (name: string) => w.engine.parseCluster({ ...c, automatic: undefined, members: c.members.filter((m) => m.name !== name) })
  const status = (of: PgCluster = c) => readPatroniStatus(w.hosts, of, { timeoutS: 2 })
  const timelines = (s: PatroniStatus) => Object.fromEntries(s.members.map((m) => [m.name, m.timeline]))

  it('a 1 s network blip of the leader\'s host: no failover', async () => {
    const before = await status()
    const leader = before.leader!
    const probe = await startProbe(c, leader)
    try {
      await sleep(500)
      await cut(hostOf(leader))
      await sleep(1000)
      await heal(hostOf(leader))
      // A failover could only follow the key's expiry (ttl after its last renewal): watch past it.
      await sleep(TTL_MS + 1000)
      const report = await probe.finish(leader)
      console.log(`[blip] 1 s blip of ${hostOf(leader)} (leader ${leader}): ${report.acknowledged} acknowledged, 0 lost; longest write gap ${report.longestGap?.ms.toFixed(0) ?? '?'} ms`)
    } finally {
      await probe.teardown()
    }
    const after = await status()
    expect(after.leader).toBe(leader)
    expect(timelines(after)).toEqual(timelines(before))
  }, 60_000)

  it('the leader cut off, a writer inside its namespace: it stops acknowledging, is demoted, nothing acknowledged lost, overlap 0; healed, it follows', async () => {
    const old = (await status()).leader!
    const oldHost = hostOf(old)
    const probe = await startProbe(c, old)
    const inside = insideWriter(oldHost, c.members.find((m) => m.name === old)!.port, (TTL_MS + 6000) / 1000)
    let leader: string | undefined
    let tCut = 0
    try {
      await sleep(800)
      tCut = performance.now()
      await cut(oldHost)
      const survivors = without(old)
      leader = await wait(TTL_MS + 15_000, async () => {
        const s = await status(survivors)
        return s.leader && s.leader !== old ? s.leader : undefined
      })
      expect(leader, 'a new leader among the survivors').toBeDefined()
      const first = await wait(15_000, async () => probe.probe.firstAckAfter(leader!, tCut))
      const ins = await inside.done
      const cutAt = performance.timeOrigin + tCut
      const lastInsideAck = Math.max(0, ...ins.filter((x) => x.outcome === 'ack').map((x) => x.end))
      const demoted = ins.find((x) => x.start > cutAt && x.outcome === 'failed')
      const firstAckAt = performance.timeOrigin + tCut + first!.ms
      const overlap = Math.max(0, lastInsideAck - firstAckAt)
      console.log(`[cut] ${oldHost} cut (leader ${old}): the inside writer's last acknowledged write ${lastInsideAck ? `${(lastInsideAck - cutAt).toFixed(0)} ms after the cut` : 'none'}; refused (read-only or not accepting connections: demoted) from ${demoted ? `${((demoted.start - cutAt) / 1000).toFixed(1)} s` : '?'} after the cut (ttl ${TIMINGS.ttl} s); first acknowledged write on ${leader} ${(first!.ms / 1000).toFixed(1)} s after the cut; overlap ${overlap.toFixed(0)} ms; inside: ${count(ins)}`)
      for (const o of ['failed', 'uncertain']) console.log(`[cut] inside, first ${o}: ${ins.find((x) => x.outcome === o && x.start > cutAt)?.why ?? '-'}; last: ${ins.filter((x) => x.outcome === o).at(-1)?.why ?? '-'}`)
      expect(overlap).toBe(0)
      expect(demoted, 'the cut primary refuses writes once demoted').toBeDefined()
      expect(demoted!.start - cutAt).toBeLessThan(TTL_MS + 3000)
      await heal(oldHost)
      await sleep(1000)
      const report = await probe.finish(leader!)
      console.log(`[cut] bridge probe: ${report.acknowledged} acknowledged, 0 lost; longest write gap ${report.longestGap?.ms.toFixed(0) ?? '?'} ms`)
      // Every write the inside writer saw acknowledged is on the new leader (synchronous standby).
      const acked = ins.filter((x) => x.outcome === 'ack').map((x) => x.id)
      const present = acked.length ? (await w.psql(hostOf(leader!), c.members[0]!.port, `SELECT count(*) FROM rd_probe WHERE id IN (${acked.join(',')})`)).trim() : '0'
      expect(Number(present), 'inside writes acknowledged by the cut primary, found on the new leader').toBe(acked.length)
    } finally {
      await heal(oldHost).catch(() => undefined)
      await probe.teardown().catch(() => undefined)
    }
    const back = await wait(45_000, async () => {
      const s = await status()
      const m = s.members.find((x) => x.name === old)
      return s.leader === leader && m?.state === 'running' && m.role !== 'leader' ? s : undefined
    })
    expect(back, `${old} back as a replica of ${leader}`).toBeDefined()
    console.log(`[cut] healed: ${old} runs as ${back!.members.find((m) => m.name === old)!.role} of ${leader}`)
  }, 120_000)

  it('one etcd voter down: a switchover through Patroni works; two down: nobody fails over, the status names them', async () => {
    // Settled: three running members, one of them the synchronous standby.
    const before = (await wait(30_000, async () => {
      const s = await status()
      return s.leader && s.members.length === c.members.length && s.members.every((m) => m.state === 'running') && s.members.some((m) => m.role === 'sync_standby') ? s : undefined
    }))!
    expect(before, 'three running members, a synchronous standby').toBeDefined()
    const leader = before.leader!
    // The first voter down: the host of the replica that is not the synchronous standby.
    const first = hostOf(before.members.find((m) => m.name !== leader && m.role !== 'sync_standby')!.name)
    await w.asRoot(first, ['systemctl', 'stop', ETCD_UNIT])
    stoppedEtcd = [first]
    const def = await pr.kinds.switchoverOf(c, before.members.find((m) => m.role === 'sync_standby')!.name)
    const r = await pr.run(def)
    expect(r.summary.error).toBeUndefined()
    const { from, to } = def.params
    expect(from).toBe(leader)
    expect((await status()).leader).toBe(to)
    console.log(`[etcd] etcd stopped on ${first}: switchover ${from} → ${to} through Patroni in ${(r.ms / 1000).toFixed(1)} s`)

    // Two voters down: both hosts other than the new leader's.
    const second = c.members.filter((m) => m.name !== to && m.host !== first).map((m) => m.host)[0]!
    const toBefore = await status()
    await w.asRoot(second, ['systemctl', 'stop', ETCD_UNIT])
    stoppedEtcd.push(second)
    const t0 = performance.now()
    const writable = async (name: string) => (await w.psql(hostOf(name), c.members[0]!.port, "SELECT NOT pg_is_in_recovery() AND NOT current_setting('transaction_read_only')::bool")).trim() === 't'
    const readOnlyAfter = await wait(TTL_MS + 10_000, async () => ((await writable(to)) ? undefined : performance.now() - t0), 200)
    await sleep(Math.max(0, TTL_MS + 1000 - (performance.now() - t0)))
    const writers = []
    for (const m of c.members) if (await writable(m.name).catch(() => false)) writers.push(m.name)
    expect(writers.filter((n) => n !== to), 'no other member promoted').toEqual([])
    // The one voter left has no quorum: etcdctl's health check (a quorum read) fails there too.
    const s = await status()
    expect(s.etcd.down.map((d) => d.name)).toEqual(expect.arrayContaining(stoppedEtcd))
    expect(s.etcd.up.length).toBeLessThan(2)
    expect(s.leader === null || s.leader === to).toBe(true)
    for (const m of s.members) if (m.name !== to) expect(m.timeline, `${m.name}'s timeline`).toBe(timelines(toBefore)[m.name])
    console.log(`[etcd] two voters down (${stoppedEtcd.join(', ')}): ${to} read-only ${readOnlyAfter !== undefined ? `${(readOnlyAfter / 1000).toFixed(1)} s after the second stop` : 'never (still writable)'}; no failover in ${((performance.now() - t0) / 1000).toFixed(1)} s; status (read from ${s.readFrom}): leader ${s.leader ?? 'none'}, etcd up [${s.etcd.up.join(', ')}], down ${s.etcd.down.map((d) => `${d.name} (${d.error.slice(0, 80)})`).join(', ')}`)

    for (const h of stoppedEtcd) await w.asRoot(h, ['systemctl', 'start', ETCD_UNIT])
    stoppedEtcd = []
    const again = await wait(30_000, async () => ((await writable(to)) ? performance.now() - t0 : undefined), 250)
    expect(again, `${to} writable again once etcd is back`).toBeDefined()
    const after = await status()
    expect(after.leader).toBe(to)
    expect(after.etcd.down).toEqual([])
  }, 120_000)

  /** INSERTs into the probe's table through the host's own socket (inside its namespaces), one psql each, for `seconds`. */
  function insideWriter(host: string, port: number, seconds: number) {
    const ids = new IdSource()
    const done = exec(host, ['sh', '-c', INSIDE_LOOP, 'sh', String(port), String(Math.ceil(seconds)), ids.base.toString()], { user: 'postgres', timeoutMs: (seconds + 20) * 1000 }).then((r) =>
      r.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [outcome, id, start, end, ...why] = line.split(' ')
          return { outcome: outcome as 'ack' | 'failed' | 'uncertain', id: id!, start: Number(start), end: Number(end), why: why.join(' ') }
        }),
    )
    return { done }
  }
})

/**
 * One psql per write, never cancelled (a cancelled synchronous commit reports success): killed
 * after 3 s, the write counts as uncertain. psql exits 1 on an ERROR (e.g. read-only: failed), 2
 * when the connection failed (refused at connect: failed; broken later: uncertain). Prints
 * `OUTCOME ID START_MS END_MS RC OUTPUT` (wall clock).
 */
const INSIDE_LOOP = String.raw`port=$1 base=$3
until=$(( $(date +%s) + $2 )) i=0
while [ "$(date +%s)" -lt "$until" ]; do
  i=$((i + 1)) id=$((base + i)) t=$(date +%s%3N)
  out=$(timeout -s KILL 3 /usr/lib/postgresql/15/bin/psql -X -q -At -h /var/run/postgresql -p "$port" -d postgres -c "INSERT INTO rd_probe (id, member) VALUES ($id, 'inside')" 2>&1)
  rc=$? e=$(date +%s%3N)
  case "$rc" in
    0) case "$out" in *WARNING*) o=uncertain ;; *) o=ack ;; esac ;;
    1) o=failed ;;
    2) case "$out" in *'psql: error: connection to server'*) o=failed ;; *) o=uncertain ;; esac ;;
    *) o=uncertain ;;
  esac
  echo "$o $id $t $e $rc $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-160)"
  sleep 0.05
done`

function count(xs: { outcome: string }[]): string {
  const n = (o: string) => xs.filter((x) => x.outcome === o).length
  return `${n('ack')} acknowledged, ${n('failed')} refused, ${n('uncertain')} uncertain`
}
