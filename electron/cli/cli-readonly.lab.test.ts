// Reading works on a read-only data dir (a backup mounted read-only, a full disk remounted):
// `host list` and `status` of a real lab cluster answer without any write lock, and a change
// says why it cannot be made. Nothing in the data dir changes.
import { readdir } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeReadOnly } from '../../e2e/support/store/read-only'
import { cleanupDataDirs, cliLab, type CliLab } from '../../e2e/support/cli/cli-lab'

let t: CliLab
const pgdata = '/var/lib/postgresql/15/rdro1'

beforeAll(async () => {
  t = await cliLab()
  const created = await t.cli('cluster', 'create', 'ro', '--member', 'r1', '--host', 'h1', '--pgdata', pgdata)
  expect(created.err).toBe('')
  expect(created.code).toBe(0)
}, 120_000)

afterAll(async () => {
  await cleanupDataDirs(t.hosts, [pgdata])
})

describe('a read-only data dir', () => {
  it('answers host list and status, refuses a change with the reason, and stays as it was', async () => {
    const before = (await readdir(t.dataDir)).sort()
    const undo = await makeReadOnly(t.dataDir)
    try {
      const hosts = await t.cli('host', 'list')
      expect(hosts).toMatchObject({ code: 0, err: '' })
      expect(hosts.out).toMatch(/^h1\s/m)
      const status = await t.cli('status', 'ro', '--json')
      expect(status.err).toBe('')
      expect(status.code).toBe(0)
      expect(JSON.parse(status.out)).toMatchObject({ cluster: 'ro', primary: 'r1', members: [{ name: 'r1', state: 'up', role: 'primary' }] })
      const add = await t.cli('host', 'add', 'h9', '--address', '192.0.2.9', '--user', 'postgres')
      expect(add.code).toBe(1)
      expect(add.err).toMatch(/read-only file system|permission denied/)
    } finally {
      await undo()
    }
    expect((await readdir(t.dataDir)).sort()).toEqual(before)
  }, 60_000)
})
