// Identity files that are not key files: /dev/zero, a FIFO, a folder, a huge file. Each is
// refused at once with its path and the reason, without reading it or stalling the process.
// The same for known_hosts and ~/.ssh/config.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MAX_KEY_FILE_BYTES, TargetAuth, readKeyFile } from './auth'
import { HostKeyChecker } from './host-keys'
import { loadSshConfig } from './ssh-config'
import { MemoryTrustStore } from './trust-store'
import type { ResolvedTarget } from './target'

const dir = mkdtempSync(join(tmpdir(), 'rd-keyfiles-'))

function targetWith(identityFiles: string[]): ResolvedTarget {
  return { address: '192.0.2.1', port: 22, user: 'pi', identityFiles, usePassword: false, key: 'pi@192.0.2.1:22', label: 'pi@192.0.2.1' }
}

async function notesFor(file: string): Promise<string[]> {
  const auth = new TargetAuth(targetWith([file]), { agent: null, homeDir: dir }, new Map())
  const plan = await auth.plan(false)
  expect(plan.methods).toEqual([])
  return plan.notes
}

describe('identity files that are not keys', () => {
  it('refuses /dev/zero as a character device, without reading it', async () => {
    const started = Date.now()
    const notes = await notesFor('/dev/zero')
    expect(notes).toEqual([expect.stringMatching(/^key \/dev\/zero is a character device, not a regular file; an identity file must be a private key file/)])
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('refuses a FIFO without blocking (a FIFO nobody writes to would stall every read)', async () => {
    const fifo = join(dir, 'id_fifo')
    execFileSync('mkfifo', [fifo])
    const started = Date.now()
    const notes = await Promise.race([notesFor(fifo), new Promise<string[]>((_, reject) => setTimeout(() => reject(new Error('stalled on the FIFO')), 3000))])
    expect(notes[0]).toContain(`key ${fifo} is a named pipe (FIFO), not a regular file`)
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('refuses a folder', async () => {
    const folder = join(dir, 'id_folder')
    mkdirSync(folder)
    expect((await notesFor(folder))[0]).toContain(`key ${folder} is a folder, not a regular file`)
  })

  it('refuses a file far larger than any key, without reading it', async () => {
    const big = join(dir, 'id_big')
    writeFileSync(big, Buffer.alloc(MAX_KEY_FILE_BYTES + 1, 0x41))
    expect((await notesFor(big))[0]).toMatch(new RegExp(`key ${big} is 65537 bytes, more than the 64 kB`))
    await expect(readKeyFile(big)).rejects.toThrow(/more than the 64 kB such a file can sensibly be/)
  })

  it('still reads a real key file, and says so when a named one is missing', async () => {
    const key = join(dir, 'id_ok')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key])
    const auth = new TargetAuth(targetWith([key]), { agent: null, homeDir: dir }, new Map())
    expect((await auth.plan(false)).methods.map((m) => m.label)).toEqual([`key ${key}`])
    expect(await notesFor(join(dir, 'nope'))).toEqual([`key ${join(dir, 'nope')}: no such file (ENOENT)`])
  })
})

describe('other files the SSH layer reads', () => {
  it('a FIFO as known_hosts refuses the connection at once, with the path', async () => {
    const fifo = join(dir, 'known_hosts_fifo')
    execFileSync('mkfifo', [fifo])
    const checker = new HostKeyChecker([fifo], new MemoryTrustStore())
    const started = Date.now()
    await expect(checker.readKnownHosts()).rejects.toThrow(`${fifo} is a named pipe (FIFO), not a regular file`)
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('a FIFO as ~/.ssh/config (or an Include) is an error that names it, not a stall', async () => {
    const fifo = join(dir, 'config_fifo')
    execFileSync('mkfifo', [fifo])
    await expect(loadSshConfig(fifo, { homeDir: dir, localUser: 'pi' })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining(`${fifo} is a named pipe (FIFO)`) })
    const main = join(dir, 'config_main')
    writeFileSync(main, `Include ${fifo}\nHost x\n  User pi\n`)
    await expect(loadSshConfig(main, { homeDir: dir, localUser: 'pi' })).rejects.toMatchObject({ code: 'invalid_input' })
  })
})
