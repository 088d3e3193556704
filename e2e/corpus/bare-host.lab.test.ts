// The bad-input corpus: a host without PostgreSQL (a bare lab host, its packages hidden), as a
// user meets it through the CLI. Detection says none is there, and creating a cluster on it is
// refused before anything is made, naming the host and the package to install.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exec, ownLab, requireNetns, type Lab, type OwnLab } from '../lab'
import { runCli } from '../../electron/cli/main'

let own: OwnLab | undefined
let lab: Lab
const dir = mkdtempSync(join(tmpdir(), 'rd-corpus-bare-'))
const dataDir = join(dir, 'data')

async function cli(...argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli([...argv, '--data-dir', dataDir], { out: (t) => out.push(t), err: (t) => err.push(t), invokedAs: 'replicadesk' })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

beforeAll(async () => {
  if (!requireNetns('a bare host needs its own mount namespace')) return
  own = await ownLab('corpus-bare', { hosts: 1, bareHosts: ['bare1'], mode: 'netns' })
  lab = own.lab
  const bare = lab.hosts.find((h) => h.name === 'bare1')!
  writeFileSync(join(dir, 'known_hosts'), `${bare.address} ${bare.hostKeyPublic}\n`)
  Object.assign(process.env, { REPLICADESK_KNOWN_HOSTS: join(dir, 'known_hosts'), REPLICADESK_SSH_CONFIG: join(dir, 'no-config') })
  expect((await cli('host', 'add', 'b1', '--address', bare.address, '--user', 'postgres', '--identity-file', lab.clientKeyPath)).code).toBe(0)
})
afterAll(async () => {
  await own?.down()
})

describe('a host without PostgreSQL', () => {
  it('is detected as having none, and a cluster is not created on it', async (ctx) => {
    if (!own) return ctx.skip()
    const detect = await cli('cluster', 'detect', 'b1', '--json')
    expect(detect.code).toBe(0)
    expect(JSON.parse(detect.out).versions).toEqual([])
    const create = await cli('cluster', 'create', 'bare', '--member', 'm1', '--host', 'b1', '--pgdata', '/srv/rd-corpus-bare/m1')
    expect(create.code).toBe(1)
    expect(create.err).toContain('No PostgreSQL is installed on b1')
    expect(create.err).toContain('apt-get install postgresql')
    expect(create.err).toContain('replicadesk host prepare b1 --install')
    expect((await exec('bare1', ['test', '-e', '/srv/rd-corpus-bare'], { lab })).code).not.toBe(0)
  })
})
