// Hostile host names, users, paths and data: each is refused at the boundary or quoted so
// that nothing runs. A canary file that must never appear proves it, on the host and here.
import { existsSync } from 'node:fs'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import { labContext, onHost } from '../../../e2e/support/ssh/lab-fixtures'
import type { SshService } from './service'

const ctx = labContext()
let svc: SshService
afterAll(() => ctx.closeAll())

const CANARY = `/tmp/rd-canary-${process.pid}`
const payloads = [
  `; touch ${CANARY}`,
  `| touch ${CANARY}`,
  `& touch ${CANARY}`,
  `&& touch ${CANARY}`,
  `$(touch ${CANARY})`,
  `\`touch ${CANARY}\``,
  `'; touch ${CANARY}; '`,
  `"; touch ${CANARY}; "`,
  `\ntouch ${CANARY}\n`,
  `x' \`touch ${CANARY}\` '`,
  `\\'; touch ${CANARY} #`,
  `$(touch ${CANARY})'"\`;|&\n`,
]

async function canaryOnHost(): Promise<boolean> {
  return (await onHost(ctx.host('host1'), ['test', '-e', CANARY])).code === 0
}

beforeEach(async () => {
  svc ??= ctx.service()
  await onHost(ctx.host('host1'), ['rm', '-f', CANARY])
})

describe('injection', () => {
  it('passes hostile arguments through as data, byte for byte, running nothing', async () => {
    const t = ctx.target('host1')
    const r = await svc.exec(t, ['printf', '%s\\0', ...payloads])
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(payloads)
    expect(await canaryOnHost()).toBe(false)
    // control: the detector sees a canary that the same user really creates over SSH
    await svc.exec(t, ['touch', CANARY])
    expect(await canaryOnHost()).toBe(true)
  })

  it('treats hostile paths as paths (and fails cleanly)', async () => {
    const t = ctx.target('host1')
    for (const p of payloads) {
      const e = await svc.exec(t, ['ls', '-d', `/tmp/nothing${p}`]).then(() => undefined, (err: unknown) => err)
      expect(e).toBeInstanceOf(AppError)
      expect((e as AppError).code).toBe('command_failed')
    }
    // and as file names that really get created, literally
    const dir = `/tmp/rd-inj-${process.pid}`
    await svc.exec(t, ['mkdir', '-p', dir])
    for (const [i, p] of payloads.entries()) await svc.exec(t, ['touch', `${dir}/${i}${p.replaceAll('/', '_')}`])
    const listed = await svc.exec(t, ['find', dir, '-mindepth', '1', '-printf', '%f\\0'])
    expect(listed.stdout.split('\0').slice(0, -1).sort()).toEqual(payloads.map((p, i) => `${i}${p.replaceAll('/', '_')}`).sort())
    await svc.exec(t, ['rm', '-rf', dir])
    expect(await canaryOnHost()).toBe(false)
  })

  it('sends hostile data over stdin unchanged', async () => {
    const data = payloads.join('\n')
    const r = await svc.exec(ctx.target('host1'), ['cat'], { stdin: data })
    expect(r.stdout).toBe(data)
    expect(await canaryOnHost()).toBe(false)
  })

  it('refuses hostile host names, users, ports, sudo users and key paths before connecting', async () => {
    const h = ctx.host('host1')
    const bad: Record<string, unknown>[] = [
      ...payloads.map((p) => ({ address: `${h.address}${p}` })),
      ...payloads.map((p) => ({ address: h.address, user: `postgres${p}` })),
      { address: `-oProxyCommand=touch ${CANARY}` },
      { address: h.address, port: `22; touch ${CANARY}` },
      { address: h.address, identityFile: `/tmp/k\ntouch ${CANARY}` },
      { address: h.address, jump: { address: `x$(touch ${CANARY})` } },
    ]
    for (const target of bad) {
      const e = await svc.exec(target as never, ['true']).then(() => undefined, (err: unknown) => err)
      expect(e, JSON.stringify(target)).toBeInstanceOf(AppError)
      expect((e as AppError).code, JSON.stringify(target)).toBe('invalid_input')
    }
    for (const p of payloads) {
      const e = await svc.exec(ctx.target('host1', ctx.lab.users.admin), ['true'], { sudo: `postgres${p}` }).then(() => undefined, (err: unknown) => err)
      expect((e as AppError).code).toBe('invalid_input')
    }
    // nothing was ever connected for the hostile targets
    expect(svc.states().every((s) => s.address === h.address && ['postgres', ctx.lab.users.admin].includes(s.user))).toBe(true)
    expect(await canaryOnHost()).toBe(false)
    expect(existsSync(CANARY)).toBe(false)
  })

  it('refuses hostile values that come from ~/.ssh/config', async () => {
    const { writeFileSync } = await import('node:fs')
    const { join } = await import('node:path')
    const cfg = join(ctx.dir, 'evil_config')
    writeFileSync(cfg, `Host evil\n  HostName "${ctx.host('host1').address};touch ${CANARY}"\nHost evil2\n  HostName ${ctx.host('host1').address}\n  User "postgres$(touch ${CANARY})"\nMatch exec "touch ${CANARY}"\n  User root\n`)
    const s = ctx.service({ sshConfigPath: cfg })
    for (const alias of ['evil', 'evil2']) {
      const e = await s.exec({ address: alias }, ['true']).then(() => undefined, (err: unknown) => err)
      expect((e as AppError).code).toBe('invalid_input')
    }
    const listed = await s.listConfigHosts()
    expect(listed.every((x) => x.problem)).toBe(true)
    expect(existsSync(CANARY)).toBe(false)
    expect(await canaryOnHost()).toBe(false)
  })
})
