// The CLI on a data dir in trouble: damaged or too-new store files, a folder or a file where
// the other should be, a read-only data dir, a damaged journal, a leftover instance.json whose
// pid now belongs to another process. Each gives a clear error (or just works), never an
// empty inventory, never a write over the user's file.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Journal } from '../core/operations/journal'
import { makeReadOnly } from '../../e2e/support/store/read-only'
import { runCli } from './main'

async function cli(...argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env: {} })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

const tempDir = () => mkdtemp(join(tmpdir(), 'rd-cli-store-'))

async function withHost(d: string) {
  expect((await cli('host', 'add', 'pi1', '--address', '192.0.2.1', '--user', 'pi', '--data-dir', d)).code).toBe(0)
}

describe('damaged store files', () => {
  it('a truncated hosts.json: `host list` fails clearly, and no command writes over it', async () => {
    const d = await tempDir()
    await withHost(d)
    expect((await cli('host', 'add', 'pi2', '--address', '192.0.2.2', '--user', 'pi', '--data-dir', d)).code).toBe(0)
    const file = join(d, 'hosts.json')
    await truncate(file, 40)
    const before = await readFile(file)
    const list = await cli('host', 'list', '--data-dir', d)
    expect(list.code).toBe(1)
    expect(list.out).toBe('')
    expect(list.err).toContain(`${file} is damaged: it ends in the middle (truncated)`)
    expect(list.err).toMatch(/left it as it is and will not write to it/)
    expect(list.err).toContain(`cp ${file}.prev ${file}`) // the version before the last change
    expect(list.err).not.toMatch(/Internal error/)
    const add = await cli('host', 'add', 'pi3', '--address', '192.0.2.3', '--user', 'pi', '--data-dir', d)
    expect(add.code).toBe(1)
    expect(await readFile(file)).toEqual(before)
    expect((await readdir(d)).filter((f) => f.startsWith('hosts.json'))).toEqual(['hosts.json', 'hosts.json.prev'])
  })

  it('a wrong-shaped clusters.json fails `cluster list` and leaves host records usable', async () => {
    const d = await tempDir()
    await withHost(d)
    await writeFile(join(d, 'clusters.json'), JSON.stringify({ version: 1, data: [{ id: 'main' }] }))
    const list = await cli('cluster', 'list', '--json', '--data-dir', d)
    expect(list.code).toBe(1)
    expect(JSON.parse(list.out).error).toMatchObject({ code: 'store_corrupt', detail: { file: join(d, 'clusters.json') } })
    expect(JSON.parse(list.out).error.message).toMatch(/does not have the expected shape/)
    expect((await cli('host', 'list', '--data-dir', d)).code).toBe(0)
  })

  it('a hosts.json from a newer ReplicaDesk is refused and kept', async () => {
    const d = await tempDir()
    const text = JSON.stringify({ version: 7, data: [{ anything: true }] })
    await writeFile(join(d, 'hosts.json'), text)
    const list = await cli('host', 'list', '--data-dir', d)
    expect(list.code).toBe(1)
    expect(list.err).toMatch(/written by a newer ReplicaDesk \(format 7; this one reads format 1\).*Update ReplicaDesk/)
    expect(await readFile(join(d, 'hosts.json'), 'utf8')).toBe(text)
  })

  it('a folder where hosts.json should be, and a data dir that is a file, are said in words', async () => {
    const d = await tempDir()
    await mkdir(join(d, 'hosts.json'))
    const folder = await cli('host', 'list', '--data-dir', d)
    expect(folder.code).toBe(1)
    expect(folder.err).toContain(`${join(d, 'hosts.json')} is a folder, not a regular file`)
    await writeFile(join(d, 'plain-file'), 'x')
    const file = await cli('host', 'list', '--data-dir', join(d, 'plain-file'))
    expect(file.code).toBe(1)
    expect(file.err).toContain(`The data dir ${join(d, 'plain-file')} is a file, not a folder`)
    expect(`${folder.err}${file.err}`).not.toMatch(/Internal error|EISDIR|EEXIST/)
  })

  it('a FIFO where the activity log should be is refused at once, not waited on', async () => {
    const d = await tempDir()
    execFileSync('mkfifo', [join(d, 'activity.jsonl')])
    const started = Date.now()
    const list = await cli('host', 'list', '--data-dir', d)
    expect(list.code).toBe(1)
    expect(list.err).toContain(`${join(d, 'activity.jsonl')} is not a regular file`)
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it('a read-only data dir is read without a write lock; a change says why it cannot be made', async () => {
    const d = await tempDir()
    await withHost(d)
    const before = (await readdir(d)).sort()
    const undo = await makeReadOnly(d)
    try {
      const list = await cli('host', 'list', '--data-dir', d)
      expect(list.err).toBe('')
      expect(list).toMatchObject({ code: 0, out: expect.stringMatching(/pi1\s+192\.0\.2\.1/) })
      expect((await cli('operation', 'list', '--data-dir', d)).code).toBe(0)
      const add = await cli('host', 'add', 'pi2', '--address', '192.0.2.2', '--user', 'pi', '--data-dir', d)
      expect(add.code).toBe(1)
      expect(add.err).toMatch(/read-only file system|permission denied/)
      expect(add.err).not.toMatch(/Internal error/)
    } finally {
      await undo()
    }
    expect((await readdir(d)).sort()).toEqual(before)
  })
})

describe('a damaged journal', () => {
  it('stays on `operation list` as damaged, with its file and what to do; resume says the same', async () => {
    const d = await tempDir()
    const at = '2026-01-01T00:00:00.000Z'
    const id = '20260101-000000-fake-replica-0a1b'
    await new Journal(d).create({
      id, kind: 'fake-replica', clusterId: 'main', title: 'Add replica db3', status: 'failed', params: {}, members: ['db1', 'db2'],
      steps: [{ id: 'copy', title: 'Copy the data', hosts: ['db2'], status: 'failed', touched: true }],
      owner: { instanceId: 'i', hostname: 'h', pid: 1, startId: '' }, attempts: 1, createdAt: at, updatedAt: at,
    })
    const file = join(d, 'operations', `${id}.json`)
    await truncate(file, 200)
    const before = await readFile(file)
    const list = await cli('operation', 'list', '--json', '--data-dir', d)
    expect(list.code).toBe(0)
    const [shown] = JSON.parse(list.out) as { id: string; clusterId: string; status: string; title: string; error: { code: string; message: string } }[]
    expect(shown).toMatchObject({ id, clusterId: 'main', status: 'failed', title: expect.stringContaining(`DAMAGED JOURNAL ${file}: Add replica db3, last known status failed`) })
    expect(shown!.error.code).toBe('store_corrupt')
    expect(shown!.error.message).toMatch(/cannot be read: it ends in the middle \(truncated\).*replicadesk status main.*mv /)
    const resume = await cli('operation', 'resume', id, '--data-dir', d)
    expect(resume.code).toBe(1)
    expect(resume.err).toContain(`The journal of operation ${id} (${file}) cannot be read`)
    expect(await readFile(file)).toEqual(before)
  })
})

describe('a leftover instance.json whose pid was reused', () => {
  const children: ChildProcess[] = []
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL')
  })

  it('does not stop the CLI (it runs standalone) nor `serve` (it starts and takes the file over)', async () => {
    const d = await tempDir()
    await withHost(d)
    const unrelated = spawn('sleep', ['60'])
    children.push(unrelated)
    // An instance that is gone: its port now closed, its pid now another process's.
    await writeFile(join(d, 'instance.json'), JSON.stringify({ pid: unrelated.pid, wsUrl: 'ws://127.0.0.1:9/ws', token: 'x'.repeat(43), kind: 'headless', startedAt: new Date().toISOString() }), { mode: 0o600 })
    const started = Date.now()
    const list = await cli('host', 'list', '--data-dir', d)
    expect(list).toMatchObject({ code: 0, out: expect.stringMatching(/pi1/) })
    expect(Date.now() - started).toBeLessThan(5000)

    const serve = spawn(process.execPath, ['--import', 'tsx', 'electron/server/bin.ts', '--port', '0', '--data-dir', d], { stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(serve)
    let output = ''
    const up = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 30_000)
      const seen = (chunk: Buffer) => {
        output += chunk.toString()
        if (!/ReplicaDesk headless: /.test(output)) return
        clearTimeout(timer)
        resolve(true)
      }
      serve.stdout.on('data', seen)
      serve.stderr.on('data', seen)
      serve.on('exit', () => {
        clearTimeout(timer)
        resolve(false)
      })
    })
    expect(output).not.toMatch(/already drives/)
    expect(up).toBe(true)
    const now = JSON.parse(await readFile(join(d, 'instance.json'), 'utf8')) as { pid: number }
    expect(now.pid).toBe(serve.pid)
    serve.kill('SIGTERM')
  }, 40_000)
})
