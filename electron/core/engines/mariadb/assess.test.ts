// The judgement before a MariaDB role change (pure): who is promoted and what it may cost, and
// the GTID arithmetic and option-file edit it rests on.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../../shared/errors'
import { assessMariaFailover, assessMariaSwitchover, FENCED_EXCLUDED } from './assess'
import { parseCluster, type MariaCluster } from './model'
import { NOT_FENCED } from './fence/scripts'
import { fileSaysReadOnly, gtidBehind, gtidContains, mergeGtid, receivedGtid, ROLE_SQL, SET_READ_ONLY, type MariaReading } from './roles'
import type { MariaSample, SlaveThreads } from './sample'

const cluster = (semi: boolean, extra: Partial<Record<string, { priority?: number; neverPromote?: boolean; sync?: boolean }>> = {}, fenced: string[] = []): MariaCluster =>
  parseCluster({
    engine: 'mariadb',
    id: 'mc',
    semiSync: { enabled: semi },
    fenced,
    members: ['a', 'b', 'c'].map((n, i) => ({ name: n, host: `h${i + 1}`, address: `10.0.0.${i + 1}`, dataDir: `/srv/${n}`, serverId: i + 1, sync: semi, ...extra[n] })),
  })

const thread = (over: Partial<SlaveThreads> = {}): SlaveThreads => ({ connection: '', ioRunning: 'Yes', sqlRunning: 'Yes', lastIoError: null, lastSqlError: null, secondsBehind: 0, masterHost: '10.0.0.1', masterPort: 3306, gtidIoPos: null, usingGtid: 'Slave_Pos', ...over })
const sample = (over: Partial<MariaSample> = {}): MariaSample => ({ serverMs: 0, readOnly: true, serverId: 2, version: '10.11.19', startedMs: 0, gtidCurrentPos: '', gtidBinlogPos: '', gtidSlavePos: '', semiMasterEnabled: true, semiSlaveEnabled: true, semiMasterOn: false, semiSlaveOn: true, semiClients: 0, dataDir: null, errorLog: null, pidFile: null, slaves: [], ...over })
const replica = (name: string, cur: string, io: string | null = null, over: Partial<SlaveThreads> = {}): MariaReading => ({ member: name, host: `h-${name}`, role: 'replica', facts: sample({ gtidCurrentPos: cur, gtidBinlogPos: cur, slaves: [thread({ gtidIoPos: io, ...over })] }) })
const primary = (name: string, bin: string): MariaReading => ({ member: name, host: `h-${name}`, role: 'primary', facts: sample({ readOnly: false, gtidCurrentPos: bin, gtidBinlogPos: bin, semiMasterOn: true }) })
const down = (name: string): MariaReading => ({ member: name, host: `h-${name}`, role: 'unknown', error: `${name} unreachable`, errorCode: 'ssh_connect' })
const now = Date.parse('2026-12-07T12:00:00Z')
const last = (gtid: string, secondsAgo: number, semiSyncOn: boolean) => ({ member: 'a', gtid, at: new Date(now - secondsAgo * 1000).toISOString(), semiSyncOn })

describe('GTID arithmetic', () => {
  it('merges per domain, measures and contains', () => {
    expect(mergeGtid('0-1-10,1-2-5', '0-1-12', '2-3-1')).toBe('0-1-12,1-2-5,2-3-1')
    expect(gtidBehind('0-1-12,1-2-5', '0-1-10')).toBe(7)
    expect(gtidContains('0-1-12,1-2-5', '0-1-12')).toBe(true)
    expect(gtidContains('0-1-12', '0-1-12,1-2-1')).toBe(false)
    // What a replica received: its relay log (Gtid_IO_Pos) counts.
    expect(receivedGtid(replica('b', '0-1-10', '0-1-14'))).toBe('0-1-14')
  })

  it('reads the role with section markers around the status poll', () => {
    expect(ROLE_SQL).toMatch(/^SELECT 'role' AS rd_section;\nSELECT @@read_only/)
    expect(ROLE_SQL).toMatch(/SELECT 'slaves' AS rd_section;\nSHOW ALL SLAVES STATUS;\n$/)
  })
})

describe('failover assessment', () => {
  it('promotes the one that received the most (relay log included); none when semi-sync was in force', () => {
    const c = cluster(true)
    const a = assessMariaFailover({ cluster: c, from: 'a', seen: [down('a'), replica('b', '0-1-10', '0-1-20'), replica('c', '0-1-18')], lastPrimary: last('0-1-20', 2, true), now })
    expect(a.to).toBe('b')
    expect(a.loss).toMatchObject({ kind: 'none', transactions: 0 })
    expect(a.candidates.find((v) => v.name === 'c')).toMatchObject({ gtid: '0-1-18', behindTransactions: 2, lsn: null })
    expect(a.reason).toMatch(/b received the most \(2 transactions more than c\)/)
  })

  it('a bound in transactions when semi-sync had fallen back, or a semi-sync replica is silent', () => {
    const c = cluster(true)
    const fell = assessMariaFailover({ cluster: c, from: 'a', seen: [replica('b', '0-1-10'), replica('c', '0-1-9')], lastPrimary: last('0-1-15', 3, false), now })
    expect(fell.loss).toMatchObject({ kind: 'bound', transactions: 5, seconds: 3 })
    expect(fell.loss.text).toMatch(/At least 5 transactions .* plus whatever a wrote in the 3 s .*fallen back to asynchronous/)
    const silent = assessMariaFailover({ cluster: c, from: 'a', seen: [replica('b', '0-1-10'), down('c')], lastPrimary: last('0-1-10', 1, true), now })
    expect(silent.loss.kind).toBe('bound')
    expect(silent.loss.text).toMatch(/c \(semi-sync\) does not answer/)
  })

  it('asynchronous: bound and the cut-off-primary warning; unknown without a last position', () => {
    const c = cluster(false)
    const a = assessMariaFailover({ cluster: c, from: 'a', seen: [replica('b', '0-1-10'), replica('c', '0-1-4')], lastPrimary: last('0-1-30', 1.5, false), now })
    expect(a.loss).toMatchObject({ kind: 'bound', transactions: 20, seconds: 1.5 })
    expect(a.warnings.join(' ')).toMatch(/asynchronous/)
    const u = assessMariaFailover({ cluster: c, from: 'a', seen: [replica('b', '0-1-10'), replica('c', '0-1-4')], lastPrimary: null, now })
    expect(u.loss.kind).toBe('unknown')
  })

  it('priority breaks ties; never-promote, fenced and silent members are excluded; a user choice is warned about', () => {
    const c = cluster(false, { b: { priority: 200 }, c: { priority: 10 } })
    expect(assessMariaFailover({ cluster: c, from: 'a', seen: [replica('b', '0-1-10'), replica('c', '0-1-10')], lastPrimary: null, now }).to).toBe('c')
    const chosen = assessMariaFailover({ cluster: c, from: 'a', seen: [replica('b', '0-1-12'), replica('c', '0-1-10')], lastPrimary: null, to: 'c', now })
    expect(chosen.warnings[0]).toMatch(/b \(2 transactions further\) received more than c/)
    const f = cluster(false, { c: { neverPromote: true } }, ['b'])
    expect(() => assessMariaFailover({ cluster: f, from: 'a', seen: [replica('b', '0-1-12'), replica('c', '0-1-10')], lastPrimary: null, now })).toThrow(/No member of cluster mc can be promoted/)
    const views = (() => {
      try {
        assessMariaFailover({ cluster: f, from: 'a', seen: [replica('b', '0-1-12'), replica('c', '0-1-10')], lastPrimary: null, now })
      } catch (e) {
        return (e as Error).message
      }
    })()
    expect(views).toContain(FENCED_EXCLUDED)
  })

  it('refuses when a survivor is a primary already', () => {
    expect(() => assessMariaFailover({ cluster: cluster(false), from: 'a', seen: [primary('b', '0-1-3'), replica('c', '0-1-3')], lastPrimary: null, now })).toThrow(AppError)
  })
})

describe('switchover assessment', () => {
  it('picks a caught-up semi-sync replica of the primary; loses nothing', () => {
    const c = cluster(true, { b: { sync: false } })
    const a = assessMariaSwitchover(c, [primary('a', '0-1-10'), replica('b', '0-1-10'), replica('c', '0-1-9')])
    expect(a).toMatchObject({ from: 'a', to: 'c', loss: { kind: 'none', transactions: 0 } })
    expect(a.reason).toMatch(/semi-sync replicas are tried first/)
  })

  it('refuses two writable members, a target not replicating from the primary, or too far behind', () => {
    const c = cluster(false)
    expect(() => assessMariaSwitchover(c, [primary('a', '0-1-1'), primary('b', '0-1-1'), replica('c', '0-1-1')])).toThrow(/split brain/)
    expect(() => assessMariaSwitchover(c, [primary('a', '0-1-10'), replica('b', '0-1-10', null, { sqlRunning: 'No' }), replica('c', '0-1-10')], 'b')).toThrow(/b cannot take over now: does not replicate from a/)
    expect(() => assessMariaSwitchover(c, [primary('a', '0-1-100'), replica('b', '0-1-10'), replica('c', '0-1-10')], 'b', 50)).toThrow(/90 transactions behind/)
  })
})

describe('read_only in the option file', () => {
  it('replaces, inserts and appends the line; nothing else changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rd-ro-'))
    const f = join(dir, 'rd.cnf')
    const run = (text: string, v: string) => {
      writeFileSync(f, text)
      const out = execFileSync('sh', ['-c', SET_READ_ONLY, 'sh', f, v]).toString().trim()
      return { out, text: readFileSync(f, 'utf8') }
    }
    const base = '# ours\n[mariadbd]\nport = 3310\n'
    const replica = 'read_only = ON\nrpl_semi_sync_master_wait_no_slave = OFF\n'
    expect(run(base, 'ON')).toEqual({ out: 'changed', text: `# ours\n[mariadbd]\n${replica}port = 3310\n` })
    expect(run(`[mariadbd]\nport = 1\n${replica}`, 'OFF').text).toBe('[mariadbd]\nread_only = OFF\nrpl_semi_sync_master_wait_no_slave = ON\nport = 1\n')
    expect(run(`[mariadbd]\n${replica}`, 'ON').out).toBe('same')
    expect(run('# nothing\n', 'ON').text).toBe(`# nothing\n[mariadbd]\n${replica}`)
    expect(fileSaysReadOnly('[mariadbd]\nread_only = ON\n')).toBe(true)
    expect(fileSaysReadOnly('[mariadbd]\nport = 1\n')).toBe(false)
  })

  it('a start is refused while the fence marker is there, with the reason and what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rd-fence-'))
    const marker = join(dir, 'KEY')
    const start = () => {
      try {
        execFileSync('sh', ['-c', NOT_FENCED, 'sh', marker, 'm1'], { stdio: 'pipe' })
        return 'started'
      } catch (e) {
        return String((e as { stderr: Buffer }).stderr)
      }
    }
    expect(start()).toBe('started')
    writeFileSync(marker, 'member=m1\nreason=failover of mc to m2\n')
    expect(start()).toMatch(/^m1 is fenced \(failover of mc to m2\): ReplicaDesk does not start it.*Rejoin it/)
  })
})

describe('plan summaries', () => {
  it('say who, how long writes pause, what can be lost and who read_only does not bind', async () => {
    const { switchoverSummary } = await import('./switchover')
    const { failoverSummary, failoverParams } = await import('./failover')
    const { fenceSummary } = await import('./fence')
    const { switchoverParams } = await import('./switchover')
    const c = cluster(true)
    const a = assessMariaSwitchover(c, [primary('a', '0-1-10'), replica('b', '0-1-7'), replica('c', '0-1-9')], 'b')
    const sw = switchoverSummary(switchoverParams.parse({ cluster: c, from: 'a', to: 'b', assessment: a }), a).join(' ')
    expect(sw).toMatch(/b on h2 becomes the primary; a is set read-only and then follows it, and c follows b/)
    expect(sw).toMatch(/plus the time b takes to execute the 3 transactions it is behind/)
    expect(sw).toMatch(/READ_ONLY ADMIN or SUPER/)
    const f = assessMariaFailover({ cluster: c, from: 'a', seen: [down('a'), replica('b', '0-1-10'), replica('c', '0-1-9')], lastPrimary: last('0-1-12', 2, false), now })
    const fo = failoverSummary(failoverParams.parse({ cluster: c, from: 'a', to: f.to, assessment: f })).join(' ')
    expect(fo).toMatch(/fenced first if its host answers within 3 s/)
    expect(fo).toMatch(/Data that may be lost: at least 2 transactions/)
    expect(fo).toMatch(/at most 60 s/)
    expect(fenceSummary({ cluster: c, member: 'a' }).join(' ')).toMatch(/a on h1 is stopped and fenced/)
  })
})
