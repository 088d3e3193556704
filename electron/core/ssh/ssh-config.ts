// ~/.ssh/config, read through the `ssh-config` parser: Host aliases and patterns, HostName,
// User, Port, IdentityFile, ProxyJump and Include. Never runs anything: `Match exec` is
// ignored and CanonicalizeHostName (which would spawn nslookup) is dropped.
import { readdir } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import SSHConfig, { LineType, type Line } from 'ssh-config'
import { AppError } from '../../../shared/errors'
import { FileProblem, readBoundedText } from '../store/bounded-read'

export interface ConfigContext {
  homeDir: string
  localUser: string
}

const MAX_INCLUDE_DEPTH = 16

export function expandTilde(path: string, homeDir: string): string {
  if (path === '~') return homeDir
  if (path.startsWith('~/')) return join(homeDir, path.slice(2))
  return path
}

function valueOf(line: Line): string[] {
  if (line.type !== LineType.DIRECTIVE) return []
  return Array.isArray(line.value) ? line.value.map((v) => v.val) : line.value.split(/\s+/).filter(Boolean)
}

// Include arguments may hold `*` and `?` in any path segment; matches are sorted, as glob(3).
async function expandGlob(pattern: string): Promise<string[]> {
  const segments = pattern.split('/')
  let paths = [segments[0] === '' ? '/' : segments[0]!]
  for (const seg of segments.slice(1)) {
    if (seg === '') continue
    if (!/[*?[]/.test(seg)) {
      paths = paths.map((p) => join(p, seg))
      continue
    }
    const re = new RegExp('^' + seg.replace(/[\\^$.+()[\]{}|]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$')
    const next: string[] = []
    for (const dir of paths) {
      const names = await readdir(dir).catch(() => [] as string[])
      for (const n of names.sort()) if (!n.startsWith('.') && re.test(n)) next.push(join(dir, n))
    }
    paths = next
  }
  return paths
}

/** An ssh config is a few kB; a big fleet's generated one maybe a few MB. */
const MAX_CONFIG_BYTES = 8 * 1024 * 1024

async function readConfigFile(file: string): Promise<SSHConfig | undefined> {
  let text: string | undefined
  try {
    text = await readBoundedText(file, { maxBytes: MAX_CONFIG_BYTES })
  } catch (err) {
    // A folder is skipped, as OpenSSH does with an Include glob that matches one.
    if (err instanceof FileProblem && /is a folder/.test(err.why)) return undefined
    if (err instanceof FileProblem) throw new AppError('invalid_input', `Could not read the ssh config: ${err.message}.`, { file, problem: err.kind })
    throw err
  }
  if (text === undefined) return undefined
  try {
    return SSHConfig.parse(text)
  } catch (err) {
    throw new AppError('invalid_input', `Could not read ${file}: ${(err as Error).message}`, { file })
  }
}

/**
 * Replaces Include lines with the lines of the files they name (relative paths are taken
 * from ~/.ssh). An Include inside a Host block adds its plain directives to that block and
 * its own Host blocks after it; OpenSSH would also keep those nested under the outer match.
 */
async function expandIncludes(lines: Line[], ctx: ConfigContext, depth: number): Promise<Line[]> {
  const out: Line[] = []
  for (const line of lines) {
    if (line.type !== LineType.DIRECTIVE) continue
    if (/^CanonicalizeHostName$/i.test(line.param)) continue
    if (/^Include$/i.test(line.param)) {
      out.push(...(await includedLines(line, ctx, depth)))
      continue
    }
    if ('config' in line) {
      const inner: Line[] = []
      const trailing: Line[] = []
      for (const sub of await expandIncludes([...line.config], ctx, depth)) {
        if (sub.type === LineType.DIRECTIVE && 'config' in sub) trailing.push(sub)
        else if (trailing.length === 0) inner.push(sub)
        else trailing.push(sub)
      }
      line.config.splice(0, line.config.length, ...inner)
      out.push(line, ...trailing)
      continue
    }
    out.push(line)
  }
  return out
}

async function includedLines(line: Line, ctx: ConfigContext, depth: number): Promise<Line[]> {
  if (depth >= MAX_INCLUDE_DEPTH) {
    throw new AppError('invalid_input', `ssh config Include nesting is deeper than ${MAX_INCLUDE_DEPTH} levels (a loop?).`)
  }
  const out: Line[] = []
  for (const arg of valueOf(line)) {
    const expanded = expandTilde(arg, ctx.homeDir)
    const pattern = isAbsolute(expanded) ? expanded : join(ctx.homeDir, '.ssh', expanded)
    for (const file of await expandGlob(pattern)) {
      const parsed = await readConfigFile(file)
      if (parsed) out.push(...(await expandIncludes([...parsed], ctx, depth + 1)))
    }
  }
  return out
}

/** Reads a config file with its Includes; a missing file is an empty config. */
export async function loadSshConfig(configPath: string, ctx: ConfigContext): Promise<SSHConfig> {
  const parsed = await readConfigFile(configPath)
  const config = new SSHConfig()
  if (parsed) config.push(...(await expandIncludes([...parsed], ctx, 0)))
  return config
}

export interface ConfigHostSettings {
  hostName?: string
  port?: number
  user?: string
  identityFiles: string[]
  proxyJump?: string
  proxyCommand?: string
}

// ssh_config(5) percent tokens that make sense without running anything.
function expandTokens(value: string, t: { host: string; alias: string; port?: number; user?: string; ctx: ConfigContext }): string {
  return value.replace(/%([%dhnpru])/g, (_, c: string) => {
    switch (c) {
      case '%': return '%'
      case 'd': return t.ctx.homeDir
      case 'h': return t.host
      case 'n': return t.alias
      case 'p': return String(t.port ?? 22)
      case 'r': return t.user ?? t.ctx.localUser
      case 'u': return t.ctx.localUser
      default: return _
    }
  })
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v
}

/** The settings ssh would use for `alias` (first value wins, as in OpenSSH). */
export function hostSettings(config: SSHConfig, alias: string, ctx: ConfigContext): ConfigHostSettings {
  const c = config.compute(alias, { ignoreCase: true, matchExec: false }) as Record<string, string | string[] | undefined>
  const rawHost = first(c.hostname)
  const hostName = rawHost === undefined ? undefined : expandTokens(rawHost, { host: alias, alias, ctx })
  const portText = first(c.port)
  let port: number | undefined
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) throw new AppError('invalid_input', `ssh config: Port "${portText}" for ${alias} is not a number.`, { alias })
    port = Number(portText)
  }
  const user = first(c.user)
  const host = hostName ?? alias
  const identityFiles = ([] as string[]).concat(c.identityfile ?? []).filter((f) => f.toLowerCase() !== 'none')
    .map((f) => expandTilde(expandTokens(f, { host, alias, port, user, ctx }), ctx.homeDir))
  const proxyJump = first(c.proxyjump)
  const proxyCommand = first(c.proxycommand)
  return {
    hostName,
    port,
    user,
    identityFiles,
    proxyJump: proxyJump && proxyJump.toLowerCase() !== 'none' ? proxyJump : undefined,
    proxyCommand: proxyCommand && proxyCommand.toLowerCase() !== 'none' ? proxyCommand : undefined,
  }
}

export interface JumpSpec {
  host: string
  port?: number
  user?: string
}

/** ProxyJump: `[user@]host[:port]` or `ssh://[user@]host[:port]`, comma-separated hops. */
export function parseProxyJump(value: string): JumpSpec[] {
  return value.split(',').map((hop) => {
    const m = /^(?:ssh:\/\/)?(?:([^@\s]+)@)?(\[[^\]\s]+\]|[^:@\s[\]]+)(?::(\d{1,5}))?$/.exec(hop.trim())
    if (!m) throw new AppError('invalid_input', `ssh config: cannot read ProxyJump hop "${hop}" (expected [user@]host[:port]).`, { hop })
    const host = m[2]!.replace(/^\[|\]$/g, '')
    return { host, user: m[1], port: m[3] === undefined ? undefined : Number(m[3]) }
  })
}

export interface ConfigHostEntry {
  alias: string
  settings: ConfigHostSettings
}

/** Concrete Host aliases (no wildcards or negations), in file order, each once. */
export function configAliases(config: SSHConfig): string[] {
  const seen = new Set<string>()
  for (const line of config) {
    if (line.type !== LineType.DIRECTIVE || !/^Host$/i.test(line.param)) continue
    for (const name of valueOf(line)) if (!/[*?!]/.test(name)) seen.add(name)
  }
  return [...seen]
}

export function defaultConfigPath(homeDir: string): string {
  return join(homeDir, '.ssh', 'config')
}

