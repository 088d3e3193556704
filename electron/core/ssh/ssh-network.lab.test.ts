// Network faults and jump hosts: a cut link is noticed fast, healed hosts come back, and
// ProxyJump connections go through one lab host to another.
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { cut, heal, requireNetns, resetHost } from '../../../e2e/lab'
import { AppError } from '../../../shared/errors'
import { labContext } from '../../../e2e/support/ssh/lab-fixtures'
import type { HostState } from './pool'

const ctx = labContext()
afterAll(() => ctx.closeAll())
afterEach(async () => {
  for (const h of ctx.lab.hosts) await resetHost(h.name, ctx.lab)
})

function waitForState(states: HostState[], address: string, state: string, timeoutMs: number, from = 0): Promise<HostState> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const poll = () => {
      const hit = states.slice(from).find((s) => s.address === address && s.state === state)
      if (hit) return resolve(hit)
      if (Date.now() - started > timeoutMs) return reject(new Error(`no ${state} for ${address} within ${timeoutMs} ms; saw ${states.map((s) => `${s.address}:${s.state}`).join(', ')}`))
      setTimeout(poll, 10)
    }
    poll()
  })
}

describe('network faults', () => {
  it('notices a cut link within 2 s and reconnects after heal', async (tc) => {
    if (!requireNetns('cutting one host off needs network namespaces', { lab: ctx.lab, skip: tc.skip })) return
    const svc = ctx.service({ reconnect: { initialMs: 200, maxMs: 1000 }, connectTimeoutMs: 2000 })
    const states: HostState[] = []
    svc.onState((s) => states.push(s))
    const h = ctx.host('host3')
    const t = ctx.target(h)
    await svc.exec(t, ['true'])
    const mark = states.length
    const cutAt = Date.now()
    await cut(h.name, ctx.lab)
    const lost = await waitForState(states, h.address, 'unreachable', 5000, mark)
    const detectMs = Date.parse(lost.since) - cutAt
    console.log(`cut link detected after ${detectMs} ms: ${lost.reason}`)
    expect(lost.reason).toMatch(/stopped answering/)
    expect(detectMs).toBeLessThan(3000) // 400 ms × (3 + 1) keepalives ≈ 1.6 s; slack for a loaded machine
    // while cut, commands fail fast and clearly instead of hanging
    const during = await svc.exec(t, ['true']).then(() => undefined, (e: unknown) => e)
    expect(during).toBeInstanceOf(AppError)
    expect(['ssh_connect', 'ssh_timeout']).toContain((during as AppError).code)

    const healMark = states.length
    const healAt = Date.now()
    await heal(h.name, ctx.lab)
    const back = await waitForState(states, h.address, 'connected', 15_000, healMark)
    console.log(`reconnected on its own ${Date.parse(back.since) - healAt} ms after heal`)
    expect((await svc.exec(t, ['echo', 'back'])).stdout).toBe('back\n')
  })

  it('fails a running command when the link is cut, instead of hanging', async (tc) => {
    if (!requireNetns('cutting one host off needs network namespaces', { lab: ctx.lab, skip: tc.skip })) return
    const svc = ctx.service()
    const h = ctx.host('host2')
    const t = ctx.target(h)
    await svc.exec(t, ['true'])
    const running = svc.exec(t, ['sleep', '30'], { timeoutMs: 60_000 })
    await new Promise((r) => setTimeout(r, 300))
    const cutAt = Date.now()
    await cut(h.name, ctx.lab)
    const e = await running.then(() => undefined, (err: unknown) => err)
    expect(e).toBeInstanceOf(AppError)
    expect((e as AppError).code).toBe('ssh_connect')
    expect((e as AppError).message).toMatch(/lost while/)
    expect(Date.now() - cutAt).toBeLessThan(3000)
  })

  it('reports an unreachable host as unreachable', async (tc) => {
    if (!requireNetns('cutting one host off needs network namespaces', { lab: ctx.lab, skip: tc.skip })) return
    const svc = ctx.service({ connectTimeoutMs: 1500 })
    const h = ctx.host('host2')
    await cut(h.name, ctx.lab)
    const t = ctx.target(h)
    const e = await svc.exec(t, ['true']).then(() => undefined, (err: unknown) => err)
    expect(['ssh_connect', 'ssh_timeout']).toContain((e as AppError).code)
    expect((e as AppError).message).toContain(h.address)
    expect((await svc.state(t)).state).toBe('unreachable')
  })
})

describe('ProxyJump', () => {
  it('reaches one lab host through another, and closes the jump host when nothing uses it', async () => {
    const svc = ctx.service()
    const states: HostState[] = []
    svc.onState((s) => states.push(s))
    const jump = ctx.target('host1')
    const t = ctx.target('host2', 'postgres', { jump })
    const r = await svc.exec(t, ['hostname'])
    expect(r.stdout).toBe(`${ctx.host('host2').hostname}\n`)
    // the target saw the connection come from the jump host, not from the machine
    const from = await svc.exec(t, ['sh', '-c', 'echo ${SSH_CONNECTION%% *}'])
    expect(from.stdout.trim()).toBe(ctx.host('host1').address)
    expect(svc.states().map((s) => s.label).sort()).toEqual([`postgres@${ctx.host('host1').address}`, `postgres@${ctx.host('host2').address}`])
    expect(svc.states().find((s) => s.address === ctx.host('host2').address)?.via).toBe(`postgres@${ctx.host('host1').address}`)

    await svc.disconnect(t)
    // reference count fell to zero: the jump connection went too
    expect(svc.states()).toEqual([])
    expect(states.filter((s) => s.state === 'idle').map((s) => s.address).sort()).toEqual([ctx.host('host1').address, ctx.host('host2').address].sort())
  })

  it('keeps a jump host that is also used directly', async () => {
    const svc = ctx.service()
    const jump = ctx.target('host1')
    const t = ctx.target('host3', 'postgres', { jump })
    await svc.exec(jump, ['true'])
    await svc.exec(t, ['true'])
    await svc.disconnect(t)
    expect(svc.states().map((s) => [s.address, s.state])).toEqual([[ctx.host('host1').address, 'connected']])
    expect((await svc.exec(jump, ['echo', 'still'])).stdout).toBe('still\n')
  })

  it('follows ProxyJump from the ssh config', async () => {
    const { writeFileSync } = await import('node:fs')
    const { join } = await import('node:path')
    const cfg = join(ctx.dir, 'ssh_config_jump')
    const h1 = ctx.host('host1')
    const h3 = ctx.host('host3')
    writeFileSync(cfg, `Host bastion\n  HostName ${h1.address}\n  User postgres\n  IdentityFile ${ctx.lab.clientKeyPath}\n\nHost db3\n  HostName ${h3.address}\n  User postgres\n  IdentityFile ${ctx.lab.clientKeyPath}\n  ProxyJump bastion\n`)
    const svc = ctx.service({ sshConfigPath: cfg })
    expect((await svc.exec({ address: 'db3' }, ['hostname'])).stdout).toBe(`${h3.hostname}\n`)
    const hosts = await svc.listConfigHosts()
    expect(hosts.map((x) => [x.alias, x.address, x.proxyJump])).toEqual([
      ['bastion', h1.address, undefined],
      ['db3', h3.address, 'bastion'],
    ])
  })
})
