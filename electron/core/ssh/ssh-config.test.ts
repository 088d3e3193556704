import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import SSHConfig from 'ssh-config'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import { configAliases, hostSettings, loadSshConfig, parseProxyJump, type ConfigContext } from './ssh-config'
import { resolveTarget } from './target'

let home: string
let ctx: ConfigContext
const write = (rel: string, text: string) => {
  const p = join(home, rel)
  mkdirSync(join(p, '..'), { recursive: true })
  writeFileSync(p, text)
  return p
}

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'rd-cfg-'))
  ctx = { homeDir: home, localUser: 'me' }
})

describe('ssh config', () => {
  it('resolves aliases, patterns, first-value-wins and identity file tokens', async () => {
    const cfg = write('.ssh/config', `
Host db1 db1-alias
  HostName 10.0.0.11
  User postgres
  IdentityFile ~/.ssh/db_%r_%h

Host db*
  Port 2222
  User ignored-because-first-wins
  IdentityFile %d/.ssh/second

Host *
  User fallback
`)
    const c = await loadSshConfig(cfg, ctx)
    const s = hostSettings(c, 'db1', ctx)
    expect(s).toMatchObject({ hostName: '10.0.0.11', port: 2222, user: 'postgres' })
    expect(s.identityFiles).toEqual([join(home, '.ssh/db_postgres_10.0.0.11'), join(home, '.ssh/second')])
    expect(hostSettings(c, 'web', ctx)).toMatchObject({ hostName: undefined, port: undefined, user: 'fallback' })
    expect(configAliases(c)).toEqual(['db1', 'db1-alias'])
  })

  it('follows Include relative to ~/.ssh, with globs, at top level and inside a Host block', async () => {
    write('.ssh/conf.d/10-a.conf', 'Host a\n  HostName 10.0.0.1\n')
    write('.ssh/conf.d/20-b.conf', 'Host b\n  HostName 10.0.0.2\n  User bob\n')
    write('.ssh/inner.conf', 'Port 2200\nUser inner\n')
    const cfg = write('.ssh/config', 'Include conf.d/*.conf\n\nHost c\n  HostName 10.0.0.3\n  Include inner.conf\n')
    const c = await loadSshConfig(cfg, ctx)
    expect(configAliases(c)).toEqual(['a', 'b', 'c'])
    expect(hostSettings(c, 'b', ctx)).toMatchObject({ hostName: '10.0.0.2', user: 'bob' })
    expect(hostSettings(c, 'c', ctx)).toMatchObject({ hostName: '10.0.0.3', port: 2200, user: 'inner' })
    expect(hostSettings(c, 'a', ctx).port).toBeUndefined()
  })

  it('refuses Include loops instead of recursing forever', async () => {
    const cfg = write('.ssh/config', 'Include config\n')
    await expect(loadSshConfig(cfg, ctx)).rejects.toThrow(/Include nesting/)
  })

  it('never runs Match exec commands', async () => {
    const canary = join(home, 'canary')
    const cfg = write('.ssh/config', `Match exec "touch ${canary}"\n  User hacked\n\nHost x\n  HostName 10.0.0.9\n`)
    const c = await loadSshConfig(cfg, ctx)
    expect(hostSettings(c, 'x', ctx).user).toBeUndefined()
    expect(existsSync(canary)).toBe(false)
  })

  it('treats a missing config as empty', async () => {
    const c = await loadSshConfig(join(home, 'nope'), ctx)
    expect(configAliases(c)).toEqual([])
  })

  it('parses ProxyJump hops', () => {
    expect(parseProxyJump('jump')).toEqual([{ host: 'jump', port: undefined, user: undefined }])
    expect(parseProxyJump('ops@bastion:2222,ssh://me@[fe80::1]:22')).toEqual([
      { host: 'bastion', port: 2222, user: 'ops' },
      { host: 'fe80::1', port: 22, user: 'me' },
    ])
    expect(() => parseProxyJump('a b')).toThrow(AppError)
  })
})

describe('targets', () => {
  it('fills a target from the config; explicit fields win', async () => {
    const cfg = write('.ssh/config', 'Host db\n  HostName 10.0.0.5\n  Port 2022\n  User pg\n  ProxyJump ops@bastion\n\nHost bastion\n  HostName 10.0.0.1\n')
    const c = await loadSshConfig(cfg, ctx)
    const t = resolveTarget({ address: 'db' }, c, ctx)
    expect(t).toMatchObject({ address: '10.0.0.5', port: 2022, user: 'pg', label: 'pg@10.0.0.5:2022' })
    expect(t.jump).toMatchObject({ address: '10.0.0.1', port: 22, user: 'ops' })
    expect(t.key).toBe('pg@10.0.0.5:2022 via ops@10.0.0.1:22')
    const e = resolveTarget({ address: 'db', port: 22, user: 'admin', jump: { address: '10.9.9.9', user: 'j' } }, c, ctx)
    expect(e).toMatchObject({ address: '10.0.0.5', port: 22, user: 'admin' })
    expect(e.jump?.address).toBe('10.9.9.9')
    // local user when nobody names one
    expect(resolveTarget({ address: '10.1.1.1' }, c, ctx).user).toBe('me')
  })

  it('chains multi-hop ProxyJump: first hop outermost', async () => {
    const cfg = write('.ssh/config', 'Host far\n  HostName 10.0.0.30\n  ProxyJump 10.0.0.10,10.0.0.20\n')
    const t = resolveTarget({ address: 'far' }, await loadSshConfig(cfg, ctx), ctx)
    expect(t.jump?.address).toBe('10.0.0.20')
    expect(t.jump?.jump?.address).toBe('10.0.0.10')
  })

  it('rejects hostile or malformed input with invalid_input, never a crash', async () => {
    const c = await loadSshConfig(join(home, 'none'), ctx)
    const bad: unknown[] = [
      null,
      'host',
      { address: 'db1; touch /tmp/x' },
      { address: 'db1$(id)' },
      { address: '`id`' },
      { address: 'a|b' },
      { address: 'a\nb' },
      { address: "o'neil" },
      { address: '-oProxyCommand=sh' },
      { address: 'ok', user: 'root;id' },
      { address: 'ok', user: '$(id)' },
      { address: 'ok', user: 'a b' },
      { address: 'ok', port: 0 },
      { address: 'ok', port: 70000 },
      { address: 'ok', port: '22' },
      { address: 'ok', identityFile: 'a\nb' },
      { address: 'ok', extra: 1 },
      { address: 'ok', jump: { address: 'x&y' } },
    ]
    for (const input of bad) {
      let err: unknown
      try {
        resolveTarget(input, c, ctx)
      } catch (e) {
        err = e
      }
      expect(err, JSON.stringify(input)).toBeInstanceOf(AppError)
      expect((err as AppError).code).toBe('invalid_input')
    }
  })

  it('checks values coming from the config file like user input', async () => {
    const cfg = write('.ssh/config', 'Host evil\n  HostName "x;touch /tmp/canary"\nHost evil2\n  User "a$(id)"\nHost pc\n  ProxyCommand nc %h %p\n')
    const c = await loadSshConfig(cfg, ctx)
    expect(() => resolveTarget({ address: 'evil' }, c, ctx)).toThrow(/HostName/)
    expect(() => resolveTarget({ address: 'evil2' }, c, ctx)).toThrow(/User/)
    expect(() => resolveTarget({ address: 'pc' }, c, ctx)).toThrow(/ProxyCommand/)
  })

  it('detects jump loops', async () => {
    const cfg = write('.ssh/config', 'Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n')
    expect(() => resolveTarget({ address: 'a' }, loadSync(cfg), ctx)).toThrow(AppError)
  })
})

// loadSshConfig is async; the loop test only needs the parse.
function loadSync(p: string) {
  return SSHConfig.parse(readFileSync(p, 'utf8'))
}
