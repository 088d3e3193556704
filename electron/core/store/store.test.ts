import { spawn, spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { AppError } from '../../../shared/errors'
import { resolveDataDir } from './data-dir'
import { prepareDataDir } from './data-dir-access'
import { makeReadOnly } from '../../../e2e/support/store/read-only'
import { HostsStore } from '../hosts/hosts-store'
import { readDocument, writeDocument } from './json-file'

const tempDir = () => mkdtemp(join(tmpdir(), 'rd-store-'))

describe('resolveDataDir', () => {
  it('prefers the flag, then the env, then Electron, then the platform default', () => {
    expect(resolveDataDir({ flag: '/a', env: { REPLICADESK_DATA_DIR: '/b' } })).toBe('/a')
    expect(resolveDataDir({ env: { REPLICADESK_DATA_DIR: '/b' }, electronUserData: '/c' })).toBe('/b')
    expect(resolveDataDir({ env: {}, electronUserData: '/c' })).toBe('/c')
    expect(resolveDataDir({ env: {}, platform: 'linux', home: '/h' })).toBe('/h/.config/ReplicaDesk')
    expect(resolveDataDir({ env: { XDG_CONFIG_HOME: '/x' }, platform: 'linux', home: '/h' })).toBe('/x/ReplicaDesk')
    expect(resolveDataDir({ env: {}, platform: 'darwin', home: '/h' })).toBe('/h/Library/Application Support/ReplicaDesk')
    expect(resolveDataDir({ env: { APPDATA: 'C:\\U\\AppData\\Roaming' }, platform: 'win32', home: '/h' })).toContain('ReplicaDesk')
  })
})

describe('versioned JSON documents', () => {
  const docIn = (dir: string) => ({ file: join(dir, 'doc.json'), version: 2, schema: z.array(z.string()), empty: () => [] as string[] })

  it('round-trips and starts empty', async () => {
    const doc = docIn(await tempDir())
    expect(await readDocument(doc)).toEqual([])
    await writeDocument(doc, ['a'])
    expect(await readDocument(doc)).toEqual(['a'])
    expect(JSON.parse(await readFile(doc.file, 'utf8'))).toEqual({ version: 2, data: ['a'] })
  })

  it('refuses a truncated file with a clear error and leaves it exactly as it was', async () => {
    const dir = await tempDir()
    const doc = docIn(dir)
    await writeFile(doc.file, '{"version": 2, "data": [')
    const err = await readDocument(doc).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    expect((err as AppError).code).toBe('store_corrupt')
    expect((err as AppError).message).toContain(`${doc.file} is damaged: it ends in the middle (truncated)`)
    expect((err as AppError).message).toMatch(/left it as it is and will not write to it.*To restore it, put back a copy from your backups/)
    expect(await readdir(dir)).toEqual(['doc.json'])
    expect(await readFile(doc.file, 'utf8')).toBe('{"version": 2, "data": [')
  })

  it('refuses a file whose content does not match the schema, naming the field', async () => {
    const doc = docIn(await tempDir())
    await writeFile(doc.file, JSON.stringify({ version: 2, data: [1, 2] }))
    const err = await readDocument(doc).catch((e: AppError) => e)
    expect(err).toMatchObject({ code: 'store_corrupt', message: expect.stringContaining('does not have the expected shape (data.0:') })
  })

  it('refuses a file from a newer version and leaves it in place', async () => {
    const dir = await tempDir()
    const doc = docIn(dir)
    await writeFile(doc.file, JSON.stringify({ version: 3, data: [] }))
    await expect(readDocument(doc)).rejects.toMatchObject({ code: 'store_version', message: expect.stringMatching(/newer ReplicaDesk \(format 3; this one reads format 2\)/) })
    expect(await readdir(dir)).toEqual(['doc.json'])
  })

  it('keeps the version before each write as a restore point, and names it when the file is damaged', async () => {
    const dir = await tempDir()
    const doc = { ...docIn(dir), keepPrevious: true }
    await writeDocument(doc, ['a'])
    await writeDocument(doc, ['a', 'b'])
    expect(JSON.parse(await readFile(`${doc.file}.prev`, 'utf8')).data).toEqual(['a'])
    await writeFile(doc.file, '{"vers')
    const err = (await readDocument(doc).catch((e: unknown) => e)) as AppError
    expect(err.message).toContain(`cp ${doc.file}.prev ${doc.file}`)
    expect(err.detail).toMatchObject({ file: doc.file, previous: `${doc.file}.prev` })
  })

  it('says a folder, a FIFO or a device where the file should be, without reading it', async () => {
    const dir = await tempDir()
    const doc = docIn(dir)
    await mkdir(doc.file)
    await expect(readDocument(doc)).rejects.toMatchObject({ code: 'store_unavailable', message: expect.stringContaining(`${doc.file} is a folder, not a regular file`) })
    const fifoDoc = { ...doc, file: join(dir, 'fifo.json') }
    spawnSync('mkfifo', [fifoDoc.file])
    await expect(readDocument(fifoDoc)).rejects.toMatchObject({ code: 'store_unavailable', message: expect.stringContaining('is a named pipe (FIFO)') })
    await expect(readDocument({ ...doc, file: '/dev/zero' })).rejects.toMatchObject({ code: 'store_unavailable', message: expect.stringContaining('/dev/zero is a character device') })
  })
})

describe('the data dir itself', () => {
  it('is created when missing; a file in its place is a clear error', async () => {
    const dir = await tempDir()
    expect(await prepareDataDir(join(dir, 'new', 'data'))).toEqual({ writable: true })
    await writeFile(join(dir, 'file'), 'x')
    await expect(prepareDataDir(join(dir, 'file'))).rejects.toMatchObject({ code: 'store_unavailable', message: expect.stringContaining('is a file, not a folder') })
    await expect(prepareDataDir(join(dir, 'file', 'sub'))).rejects.toMatchObject({ code: 'store_unavailable', message: expect.stringContaining('a part of') })
  })

  it('a read-only data dir is read without a lock; a write says why it cannot', async () => {
    const dir = await tempDir()
    await new HostsStore(dir).add({ name: 'pi1', address: '192.0.2.10', user: 'pi' })
    const undo = await makeReadOnly(dir)
    try {
      expect(await prepareDataDir(dir)).toEqual({ writable: false })
      expect((await new HostsStore(dir).list()).map((h) => h.name)).toEqual(['pi1'])
      const err = (await new HostsStore(dir).add({ name: 'pi2', address: '192.0.2.11', user: 'pi' }).catch((e: unknown) => e)) as AppError
      expect(err).toBeInstanceOf(AppError)
      expect(err.code).toBe('store_unavailable')
      expect(err.message).toMatch(/read-only|permission denied/)
      expect(err.message).toContain(dir)
    } finally {
      await undo()
    }
    expect((await readdir(dir)).sort()).toEqual(['hosts.json'])
  })
})

describe('HostsStore', () => {
  it('adds, edits, renames, lists and removes host records', async () => {
    const store = new HostsStore(await tempDir())
    const a = await store.add({ name: 'pi1', address: '192.0.2.10', user: 'pi' })
    expect(a).toMatchObject({ name: 'pi1', port: 22 })
    await expect(store.add({ name: 'pi1', address: 'x.example', user: 'pi' })).rejects.toMatchObject({ code: 'conflict' })
    const edited = await store.edit({ name: 'pi1', newName: 'pi-one', port: 2222 })
    expect(edited).toMatchObject({ id: a.id, name: 'pi-one', port: 2222, address: '192.0.2.10' })
    expect((await store.list()).map((h) => h.name)).toEqual(['pi-one'])
    await expect(store.edit({ name: 'nope', port: 1 })).rejects.toMatchObject({ code: 'not_found' })
    await store.remove('pi-one')
    expect(await store.list()).toEqual([])
  })

  it('never loses an update when two processes write at once', async () => {
    const dir = await tempDir()
    const script = join(dir, 'writer.mts')
    await writeFile(
      script,
      `import { HostsStore } from ${JSON.stringify(join(import.meta.dirname, '..', 'hosts', 'hosts-store.ts'))}
const [dir, prefix] = process.argv.slice(2)
const store = new HostsStore(dir)
await Promise.all(Array.from({ length: 25 }, (_, i) => store.add({ name: prefix + i, address: '10.0.0.' + (i + 1), user: 'pi' })))`,
    )
    const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx')
    const run = (prefix: string) =>
      new Promise<number>((resolve) => {
        const child = spawn(tsx, [script, dir, prefix], { stdio: 'inherit' })
        child.on('exit', (code) => resolve(code ?? 1))
      })
    expect(await Promise.all([run('a'), run('b')])).toEqual([0, 0])
    const names = (await new HostsStore(dir).list()).map((h) => h.name).sort()
    expect(names).toHaveLength(50)
    expect(new Set(names).size).toBe(50)
    expect((await readdir(dir)).filter((f) => f.includes('.tmp') || f.endsWith('.lock'))).toEqual([])
  }, 60_000)
})

describe('HostsStore edits of optional fields', () => {
  it('removes a saved jump host or identity file given null, and keeps them when absent', async () => {
    const store = new HostsStore(await tempDir())
    await store.add({ name: 'bastion', address: 'b.lan', user: 'pi' })
    await store.add({ name: 'db', address: 'db.lan', user: 'pi', jump: 'bastion', identityFile: '/k/id' })
    expect(await store.edit({ name: 'db', port: 2222 })).toMatchObject({ jump: 'bastion', identityFile: '/k/id' })
    const cleared = await store.edit({ name: 'db', jump: null, identityFile: null })
    expect(cleared).not.toHaveProperty('jump')
    expect(cleared).not.toHaveProperty('identityFile')
  })
})
