// A target is what callers name; it is validated at this boundary (shared/hosts.ts schemas)
// and completed from ~/.ssh/config into the exact connection the pool keys on.
import { z } from 'zod'
import { AppError } from '../../../shared/errors'
import { hostAddress, sshPort, sshUser } from '../../../shared/hosts'
import { expandTilde, hostSettings, parseProxyJump, type ConfigContext } from './ssh-config'
import type SSHConfig from 'ssh-config'

export interface Target {
  /** Host name, IP address, or a Host alias from ~/.ssh/config. */
  address: string
  port?: number
  user?: string
  /** Connect through this host (ProxyJump). Overrides the config's ProxyJump. */
  jump?: Target
  identityFile?: string
  /** The user chose password login: ask for it through the secret prompt. */
  usePassword?: boolean
}

const localPath = z.string().min(1).max(4096).refine((p) => !/[\0\r\n]/.test(p), 'Path contains a control character')

export const targetSchema: z.ZodType<Target> = z.lazy(() =>
  z.object({
    address: hostAddress,
    port: sshPort.optional(),
    user: sshUser.optional(),
    jump: targetSchema.optional(),
    identityFile: localPath.optional(),
    usePassword: z.boolean().optional(),
  }).strict(),
)

export interface ResolvedTarget {
  address: string
  port: number
  user: string
  identityFiles: string[]
  usePassword: boolean
  jump?: ResolvedTarget
  /** Pool key: everything that identifies one connection. */
  key: string
  /** For messages: user@host:port. */
  label: string
}

const MAX_JUMPS = 8

function invalid(err: z.ZodError, what: string): AppError {
  const issue = err.issues[0]
  const field = issue?.path.join('.') || 'target'
  return new AppError('invalid_input', `${what}: ${field}: ${issue?.message ?? 'invalid'}`, { issues: err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) })
}

/** Parses an untrusted target; odd input becomes invalid_input, never a crash. */
export function parseTarget(input: unknown): Target {
  const r = targetSchema.safeParse(input)
  if (!r.success) throw invalid(r.error, 'Invalid SSH target')
  return r.data
}

export function resolveTarget(input: unknown, config: SSHConfig, ctx: ConfigContext): ResolvedTarget {
  return resolve(parseTarget(input), config, ctx, 0, new Set())
}

function resolve(t: Target, config: SSHConfig, ctx: ConfigContext, depth: number, seen: Set<string>): ResolvedTarget {
  if (depth > MAX_JUMPS) throw new AppError('invalid_input', `More than ${MAX_JUMPS} jump hosts for ${t.address}: is ProxyJump a loop?`)
  const s = hostSettings(config, t.address, ctx)
  if (s.proxyCommand && !t.jump) {
    throw new AppError('invalid_input', `~/.ssh/config sets ProxyCommand for ${t.address}; ReplicaDesk does not run local commands to connect. Use ProxyJump instead.`, { alias: t.address })
  }
  // Values from the config file cross a boundary too: check them like user input.
  const check = <T>(schema: z.ZodType<T>, value: unknown, what: string): T => {
    const r = schema.safeParse(value)
    if (!r.success) throw invalid(r.error, `~/.ssh/config for ${t.address}: ${what}`)
    return r.data
  }
  const address = check(hostAddress, s.hostName ?? t.address, 'HostName')
  const port = t.port ?? check(sshPort, s.port ?? 22, 'Port')
  const user = t.user ?? check(sshUser, s.user ?? ctx.localUser, 'User')
  const identityFiles = t.identityFile ? [expandTilde(t.identityFile, ctx.homeDir)] : s.identityFiles
  const me = `${user}@${address}:${port}`
  if (seen.has(me)) throw new AppError('invalid_input', `Jump host loop at ${me}.`)
  seen.add(me)

  let jump: ResolvedTarget | undefined
  if (t.jump) {
    jump = resolve(t.jump, config, ctx, depth + 1, seen)
  } else if (s.proxyJump) {
    // a,b means: reach a, then b through a, then this host through b.
    let prev: Target | undefined
    for (const hop of parseProxyJump(s.proxyJump)) {
      const hopTarget: Target = { address: hop.host, ...(hop.port ? { port: hop.port } : {}), ...(hop.user ? { user: hop.user } : {}), ...(prev ? { jump: prev } : {}) }
      parseTarget(hopTarget)
      prev = hopTarget
    }
    if (prev) jump = resolve(prev, config, ctx, depth + 1, seen)
  }
  const label = `${user}@${address}${port === 22 ? '' : `:${port}`}`
  return { address, port, user, identityFiles, usePassword: t.usePassword ?? false, jump, key: jump ? `${me} via ${jump.key}` : me, label }
}
