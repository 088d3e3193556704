// Adding a replica, the parts that need no server: the data-dir guard's verdicts and messages,
// its shell rules and the claim/receive scripts run locally with sh on a scratch tree (plain
// file tests), what the scripts' output says (copy state, probe, facts with column names), the
// SQL around the password, the copy's argv and the plan's sentences.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { AppError } from '../../../../../shared/errors'
import { backupArgv, receiveArgv } from '../copy'
import { parseCluster } from '../model'
import { parseCopyState } from './context'
import { explainGuardFailure, GUARD_FN, judgeNewDataDir, parseGuard, protectedDirs } from './data-dir-guard'
import { isPrimary, locatePrimary, majorMinor, parseSections, type MemberFacts } from './facts'
import { addReplicaParams } from './params'
import { neededBytes, parseProbe } from './preflight'
import { REPLICATE, replicateSql } from './replicate'
import { addReplicaSentences } from './summary'

const cluster = parseCluster({
  engine: 'mariadb',
  id: 'mc',
  members: [
    { name: 'm1', host: 'h1', address: '10.0.0.1', port: 3310, dataDir: '/srv/mdb/m1', serverId: 1 },
    { name: 'm2', host: 'h2', address: '10.0.0.2', port: 3310, dataDir: '/srv/mdb/m2', serverId: 2 },
    { name: 'm3', host: 'h1', address: '10.0.0.1', port: 3311, dataDir: '/srv/mdb/m3', serverId: 3 },
  ],
})

describe('add-replica: data-dir guard, TS side', () => {
  it('protects the other members on the same host and the other records there', () => {
    expect(protectedDirs(cluster.members[2]!, cluster.members, [{ host: 'h1', dataDir: '/data/x' }, { host: 'h2', dataDir: '/y' }])).toBe('/srv/mdb/m1\n/data/x')
  })

  const judge = (out: string, over: { ours?: boolean; overwrite?: boolean } = {}) => () => judgeNewDataDir({ host: 'h2', target: '/srv/mdb/m2', answer: parseGuard(out), ours: false, overwrite: false, member: 'm2', ...over })

  it('refuses hard rules whatever the flags; a non-empty dir only with both confirmations or as its own copy', () => {
    expect(judge('refuse member-above /srv/mdb/m2/x\nverdict 4\n', { overwrite: true, ours: true })).toThrow(/will not empty \/srv\/mdb\/m2 on h2: it contains the datadir of another member on this host \(\/srv\/mdb\/m2\/x\)\. Nothing was deleted/)
    expect(judge('content nonempty\nsize 30M\nrefuse content /srv/mdb/m2\nverdict 5\n')).toThrow(/\/srv\/mdb\/m2 on h2 is not empty \(30M on disk\).*--overwrite --overwrite-unrelated/)
    expect(judge('content nonempty\nsize 30M\nverdict 0\n', { overwrite: true })).not.toThrow()
    expect(judge('content nonempty\nverdict 5\n', { ours: true })).not.toThrow()
    expect(judge('content empty\nverdict 0\n')).not.toThrow()
    expect(judge('')).toThrow(/could not check/)
  })

  it("refuses a server running on the target unless the datadir is the operation's own (a resume after start)", () => {
    expect(judge('running-own /srv/mdb/m2\ncontent nonempty\nverdict 5\n')).toThrow(/a MariaDB server runs on it/)
    expect(judge('running-own /srv/mdb/m2\ncontent nonempty\nverdict 5\n', { ours: true })).not.toThrow()
  })

  it("turns a step's refusal into the pre-flight's words, also from the copy's destination end", () => {
    const e = explainGuardFailure(new AppError('command_failed', 'x', { to: { exitCode: 4, stderrTail: 'refuse running-equal /srv/mdb/m2' } }), 'h2', '/srv/mdb/m2', 'write into') as AppError
    expect(e.message).toMatch(/will not write into \/srv\/mdb\/m2 on h2: a MariaDB server runs on it/)
    const c = explainGuardFailure(new AppError('command_failed', 'x', { exitCode: 5, stderrTail: 'refuse content /srv/mdb/m2' }), 'h2', '/srv/mdb/m2', 'use') as AppError
    expect(c.message).toMatch(/not empty now .* not this operation's own copy/)
    const other = new AppError('command_failed', 'x', { exitCode: 1, stderrTail: 'boom' })
    expect(explainGuardFailure(other, 'h2', '/d', 'use')).toBe(other)
  })
})

describe('add-replica: the guard and the claim scripts in sh on a scratch tree', () => {
  const root = mkdtempSync(join(tmpdir(), 'rd-maria-guard-'))
  afterAll(() => rmSync(root, { recursive: true, force: true }))
  const guard = (target: string, allow: string, prot = '') => {
    const r = spawnSync('sh', ['-c', `${GUARD_FN}\nrd_guard check "$1" "$2" "$3"; echo "verdict $?"`, 'sh', target, allow, prot], { encoding: 'utf8' })
    return parseGuard(r.stdout)
  }

  it('allows a missing or empty dir, refuses content unless allowed, nested datadirs, links and system dirs', () => {
    const d = join(root, 'a')
    expect(guard(d, 'none')).toMatchObject({ content: 'missing', verdict: 0 })
    mkdirSync(d)
    expect(guard(d, 'none')).toMatchObject({ content: 'empty', verdict: 0 })
    writeFileSync(join(d, 'f'), 'x')
    expect(guard(d, 'none')).toMatchObject({ content: 'nonempty', verdict: 5 })
    expect(guard(d, 'any')).toMatchObject({ verdict: 0 })
    mkdirSync(join(d, 'inner', 'db'), { recursive: true })
    writeFileSync(join(d, 'inner', 'ibdata1'), '')
    expect(guard(d, 'any')).toMatchObject({ refusal: { kind: 'nested', path: join(d, 'inner') }, verdict: 4 })
    symlinkSync(d, join(root, 'link'))
    expect(guard(join(root, 'link'), 'any').refusal?.kind).toBe('symlink')
    for (const sys of ['/etc', '/var/lib', '/var/lib/dpkg', '/usr/lib/x', '/home']) expect(guard(sys, 'any').refusal?.kind, sys).toBe('system')
    expect(guard('/var/lib/mysql', 'any').refusal?.kind).not.toBe('system')
  })

  it("keeps away from another member's datadir above, at and below", () => {
    const mine = join(root, 'm', 'a')
    expect(guard(mine, 'any', mine).refusal?.kind).toBe('member-equal')
    expect(guard(join(root, 'm'), 'any', mine).refusal?.kind).toBe('member-above')
    expect(guard(join(mine, 'sub'), 'any', mine).refusal?.kind).toBe('member-below')
  })
})

describe('add-replica: what the scripts say', () => {
  it('reads the copy state: dir, claim, finished copy, backup type, the recorded GTID (possibly none)', () => {
    expect(parseCopyState('dir\nclaim\n  operation=op-1\n  member=m2\n  datadir=/srv/mdb/m2\n  made=yes\ncopied op-1\nbackup log-applied\ngtid 0-1-42,1-2-7\n')).toEqual({ dir: true, claim: { operation: 'op-1', made: true }, copied: 'op-1', backup: 'log-applied', gtid: '0-1-42,1-2-7' })
    expect(parseCopyState('gtid \n')).toEqual({ dir: false, gtid: '' })
  })

  it('reads the probe', () => {
    expect(parseProbe('free 5000000000\nport busy\ntool mbstream yes\ntool mariadbd no\nversion 10.11.19\nreach open\n')).toEqual({ free: 5e9, portFree: false, tools: { mbstream: true, mariadbd: false }, version: '10.11.19', reach: true })
    expect(neededBytes(1e9)).toBe(1.1e9)
    expect(neededBytes(1e6)).toBe(1e6 + 64 * 1024 * 1024)
  })

  it('splits facts and replication connections by section (an empty result set prints nothing)', () => {
    const s = parseSections('rd_section\nfacts\nversion\tro\n10.11.19-MariaDB-log\t0\nrd_section\nslaves\n')
    expect(s.get('facts')).toEqual([{ version: '10.11.19-MariaDB-log', ro: '0' }])
    expect(s.get('slaves')).toEqual([])
    const t = parseSections('rd_section\nslaves\nConnection_name\tSlave_IO_Running\n\tYes\n')
    expect(t.get('slaves')).toEqual([{ Connection_name: '', Slave_IO_Running: 'Yes' }])
    expect(majorMinor('10.11.19-MariaDB-0+deb12u1-log')).toBe('10.11')
  })

  it('locates the one writable member that replicates from nobody; two are a split brain', () => {
    const f = (readOnly: boolean, slaves = 0) => ({ readOnly, slaves: Array.from({ length: slaves }) }) as unknown as MemberFacts
    expect(isPrimary(f(false))).toBe(true)
    expect(isPrimary(f(false, 1))).toBe(false)
    const [a, b] = cluster.members
    expect(locatePrimary(cluster, [{ member: a!, facts: f(false) }, { member: b!, facts: f(true, 1) }]).member.name).toBe('m1')
    expect(() => locatePrimary(cluster, [{ member: a!, facts: f(false) }, { member: b!, facts: f(false) }])).toThrow(/split brain/)
    expect(() => locatePrimary(cluster, [{ member: a!, error: 'no answer' }])).toThrow(/No member .* answers as the primary.*m1 on h1: no answer/)
  })
})

describe('add-replica: the password stays on the host', () => {
  it('builds the statements around it; the script reads it from the file and quotes it', () => {
    const { head, tail } = replicateSql('0-1-42', { address: '10.0.0.1', port: 3310 }, 'replicadesk')
    expect(head).toMatch(/SET GLOBAL gtid_slave_pos = '0-1-42';\nCHANGE MASTER TO MASTER_HOST = '10.0.0.1', MASTER_PORT = 3310, MASTER_USER = 'replicadesk', MASTER_PASSWORD = $/)
    expect(tail).toMatch(/^, MASTER_USE_GTID = slave_pos.*START SLAVE;$/s)
    const dir = mkdtempSync(join(tmpdir(), 'rd-maria-pw-'))
    try {
      writeFileSync(join(dir, 'pw.cnf'), '[client]\nuser=replicadesk\npassword=Abc123xyz\n')
      // A stand-in client on PATH prints what it was given on stdin.
      mkdirSync(join(dir, 'bin'))
      writeFileSync(join(dir, 'bin', 'mariadb'), '#!/bin/sh\ncat\n', { mode: 0o755 })
      const out = execFileSync('sh', ['-c', REPLICATE, 'sh', join(dir, 'pw.cnf'), '/run/x.sock', head, tail], { encoding: 'utf8', env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin` } })
      expect(out).toBe(`${head}'Abc123xyz'${tail}\n`)
      writeFileSync(join(dir, 'pw.cnf'), "[client]\npassword=a'b\n")
      expect(spawnSync('sh', ['-c', REPLICATE, 'sh', join(dir, 'pw.cnf'), '/run/x.sock', head, tail], { encoding: 'utf8' }).status).toBe(3)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('add-replica: the copy and the plan', () => {
  const p = addReplicaParams.parse({ cluster, member: 'm2' })

  it('streams as mysql over the primary socket, with its own option file; receives only into the claimed datadir', () => {
    expect(backupArgv(cluster.members[0]!, 'k1')).toEqual(['env', '-C', '/', 'mariadb-backup', '--defaults-file=/etc/mysql/replicadesk/rd-3310.cnf', '--backup', '--stream=xbstream', '--user=mysql', '--socket=/run/mysqld/rd-3310.sock', '--target-dir=/tmp/rd-backup-k1'])
    expect(receiveArgv(cluster.members[1]!, 'k2', 'op-1', '').slice(0, 5)).toEqual(['env', '-C', '/', 'sh', '-c'])
    expect(receiveArgv(cluster.members[1]!, 'k2', 'op-1', '').slice(-4)).toEqual(['k2', 'op-1', '/srv/mdb/m2', ''])
  })

  it('says who replicates from whom, how much is copied and that nothing pauses', () => {
    const s = addReplicaSentences(p, 2.5e9)
    expect(s[0]).toMatch(/^m2 on h2 becomes a new read-only replica of cluster mc \(server_id 2, port 3310\)/)
    expect(s[1]).toMatch(/about 2500 MB, about 25 s at 100 MB\/s/)
    expect(s[1]).toMatch(/no port opens between the hosts/)
    expect(addReplicaSentences(p, null)[1]).toMatch(/could not be read now/)
    expect(() => addReplicaParams.parse({ cluster: { ...cluster, members: [cluster.members[0]] }, member: 'm1' })).toThrow(/at least two members/)
  })
})
