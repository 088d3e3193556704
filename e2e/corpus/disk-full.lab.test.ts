// The bad-input corpus: the disk fills up in the middle of a base backup. The pre-flight saw
// enough space (the CLI is killed right after it, then the disk is filled, then the add is
// resumed — a resume does not count the space again), so the copy itself runs out: the add fails
// with the host and the server's own words, the primary is untouched, and abandoning it leaves
// nothing half-made. A small tmpfs on a lab host plays the disk.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exec, execOk } from '../lab'
import { cleanupDataDirs, cliLab, type CliLab } from '../support/cli/cli-lab'

let t: CliLab
const primaryDir = '/var/lib/postgresql/15/rd-df-p1'
const small = '/srv/rd-df-small'
const replicaDir = `${small}/r2`

beforeAll(async () => {
  t = await cliLab()
  expect((await t.cli('cluster', 'create', 'df', '--member', 'p1', '--host', 'h1', '--pgdata', primaryDir)).code).toBe(0)
  // ~80 MB of data, so that the copy is far larger than what is left once the disk is filled.
  await execOk(t.hosts[0]!.name, ['/usr/lib/postgresql/15/bin/pgbench', '-i', '-q', '-s', '5', '-h', '/var/run/postgresql', 'postgres'], { user: 'postgres', timeoutMs: 120_000 })
  await execOk(t.hosts[1]!.name, ['sh', '-c', 'mkdir -p "$1" && mount -t tmpfs -o size=400m,uid=$(id -u postgres),gid=$(id -g postgres),mode=0755 rddfsmall "$1"', 'sh', small])
}, 180_000)
afterAll(async () => {
  await exec(t.hosts[1]!.name, ['sh', '-c', 'umount "$1"; rmdir "$1"', 'sh', small])
  await cleanupDataDirs(t.hosts, [primaryDir, replicaDir])
})

describe('the disk fills up during a base backup', () => {
  it('fails the add with the host and the reason, leaves the primary alone, and abandon removes the partial copy', async () => {
    const killed = t.cliProcess('before:base-backup', 'replica', 'add', 'df', 'r2', '--host', 'h2', '--pgdata', replicaDir)
    expect(killed.signal ?? `exit ${killed.status}: ${killed.stderr}${killed.stdout}`).toBe('SIGKILL')
    // Leave ~10 MB: the pre-flight already passed.
    await execOk(t.hosts[1]!.name, ['sh', '-c', 'avail=$(df -m --output=avail "$1" | tail -1); dd if=/dev/zero of="$1/filler" bs=1M count=$((avail - 10)) status=none', 'sh', small], { user: 'postgres', timeoutMs: 60_000 })
    const ops = JSON.parse((await t.cli('operation', 'list', '--cluster', 'df', '--json')).out) as { id: string; kind: string; status: string }[]
    const interrupted = ops.find((o) => o.kind === 'pg-add-replica' && o.status === 'interrupted')!
    expect(interrupted).toBeDefined()

    const resumed = await t.cli('operation', 'resume', interrupted.id)
    expect(resumed.code).toBe(1)
    expect(resumed.err).toContain('h2')
    expect(resumed.err).toMatch(/No space left on device|could not write|disk/i)
    expect(resumed.err).not.toMatch(/Internal error/)
    // The primary never noticed.
    expect(await t.psql(t.hosts[0]!, 5432, 'select count(*) > 0 from pgbench_accounts')).toBe('t')
    expect(await t.psql(t.hosts[0]!, 5432, 'select pg_is_in_recovery()')).toBe('f')

    await execOk(t.hosts[1]!.name, ['rm', '-f', `${small}/filler`])
    const abandoned = await t.cli('operation', 'abandon', interrupted.id)
    expect(abandoned.err).toBe('')
    expect(abandoned.code).toBe(0)
    expect((await exec(t.hosts[1]!.name, ['test', '-e', replicaDir])).code).not.toBe(0)
    expect(await t.psql(t.hosts[0]!, 5432, "select count(*) from pg_replication_slots where slot_name = 'rd_r2'")).toBe('0')
  }, 180_000)
})
