// The MariaDB write probe against a real primary and replica (plain servers of the lab fixtures
// on host1 and host2), the roles flipped by hand: read_only on the primary stops the probe user
// (failed, 1290) and moves the writer on; the replica, caught up and made writable, takes the
// writes; nothing acknowledged is lost, no phantom, never two writable.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { readLab, type Lab } from '../../lab'
import { waitFor } from '../../lab/run'
import { plainMariaDb, type PlainMariaDb } from './lab'
import { describeMariaReport, MariaWriteProbe, setupMariaProbe, type MariaProbeMember } from './probe'

const PORT = 3320
const COMMON = ['--log-bin=binlog', '--binlog-format=ROW', '--log-slave-updates', '--gtid-strict-mode=ON', '--skip-name-resolve']
let lab: Lab
let servers: PlainMariaDb[] = []
let members: MariaProbeMember[] = []

const until = (what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 8000) => waitFor(what, cond, timeoutMs)

beforeAll(async () => {
  lab = readLab()
  const host = (n: string) => lab.hosts.find((h) => h.name === n)!
  servers = await Promise.all(
    ['host1', 'host2'].map((h, i) => plainMariaDb(lab, h, { port: PORT, dataDir: `/srv/probe-test/${h}`, args: [`--server-id=${i + 1}`, ...COMMON, ...(i ? ['--read-only'] : [])] })),
  )
  members = servers.map((s) => ({ name: s.host, host: s.host, address: host(s.host).address, port: PORT, socket: s.socket }))
  await servers[0]!.sql("CREATE USER 'repl'@'%' IDENTIFIED BY 'probe-test-only'; GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%'")
  await servers[1]!.sql(`CHANGE MASTER TO MASTER_HOST='${members[0]!.address}', MASTER_PORT=${PORT}, MASTER_USER='repl', MASTER_PASSWORD='probe-test-only', MASTER_USE_GTID=slave_pos; START SLAVE`)
})

afterAll(async () => {
  await Promise.all(servers.map((s) => s.remove()))
})

it('follows a hand-made switchover: read_only refuses (failed), the replica takes over, nothing lost', async () => {
  const access = await setupMariaProbe({ members, primary: 'host1', lab })
  // A slow watcher: writes reach host1 after read_only, so the writer's own move-on is what counts.
  const probe = await MariaWriteProbe.start({ members: access.members, password: access.password, watchIntervalMs: 300 })
  try {
    await until('30 acknowledgements', () => probe.stats().acknowledged >= 30)
    expect(probe.stats().lastAck.host2).toBeUndefined()
    const [h1, h2] = servers as [PlainMariaDb, PlainMariaDb]
    await h1.sql('SET GLOBAL read_only = ON')
    await until('a write refused by read_only', () => probe.stats().failed >= 1)
    const pos = await h1.sql('SELECT @@gtid_binlog_pos')
    expect(await h2.sql(`SELECT MASTER_GTID_WAIT('${pos}', 5)`)).toBe('0')
    const t = performance.now()
    await h2.sql('STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = OFF')
    await until('acknowledgements by host2', () => (probe.firstAckAfter('host2', t) ? probe.attempts.filter((a) => a.member === 'host2' && a.outcome === 'acknowledged').length >= 20 : false))
  } finally {
    await probe.stop()
  }
  const r = await probe.analyse('host2')
  console.log(describeMariaReport(r))
  expect(r, describeMariaReport(r)).toMatchObject({ lost: [], phantom: [], pending: 0, uncertain: 0, overlaps: [], ackOverlaps: [], splits: [] })
  expect(r.failed).toBeGreaterThanOrEqual(1)
  expect(probe.attempts.filter((a) => a.outcome === 'failed').every((a) => a.member === 'host1' && a.reason!.startsWith('1290 ER_OPTION_PREVENTS_STATEMENT'))).toBe(true)
  expect(probe.stats().movedOn).toBeGreaterThanOrEqual(1)
  expect(r.longestGap).toMatchObject({ fromMember: 'host1', toMember: 'host2' })
  expect(r.firstAck.host2!.at).toBe(r.longestGap!.to)
  expect(probe.timelines().host1!.map((s) => s.state)).toEqual(['writable', 'not-writable'])
  await access.teardown('host2')
}, 30_000)
