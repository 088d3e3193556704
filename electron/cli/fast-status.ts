// The thin path of `replicadesk status CLUSTER [--json]`: with an instance running on the data
// dir, ask it and print, loading node builtins only (the full CLI — zod, the contract, the
// core, ssh2, pg — takes ~100 ms to load; Node itself ~50). It answers only where it prints
// exactly what the full CLI would; otherwise it prints nothing and returns undefined, and the
// caller runs the full CLI (no instance, any other command or flag, --watch, an error reply,
// a split brain, anything unexpected).
import { join } from 'node:path'
import type { ClusterStatus } from '../../shared/status'
import { readBoundedTextSync } from '../core/store/bounded-read'
import { resolveDataDir } from '../core/store/data-dir'
import { formatStatus } from './status-format'
import { callOnce } from './ws-lite'

export interface FastStatusArgs {
  cluster: string
  json: boolean
  dataDir?: string
}

export interface FastIo {
  out(text: string): void
  env?: NodeJS.ProcessEnv
}

/** A plain `status CLUSTER [--json] [--data-dir DIR]`, read as main.ts reads it; else undefined. */
export function fastStatusArgs(argv: string[]): FastStatusArgs | undefined {
  const words: string[] = []
  let json = false
  let dataDir: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--json') json = true
    else if (a === '--data-dir') {
      dataDir = argv[++i]
      if (!dataDir) return undefined
    } else if (a.startsWith('--data-dir=')) dataDir = a.slice('--data-dir='.length)
    else words.push(a)
  }
  if (words.length !== 2 || words[0] !== 'status' || words[1]!.startsWith('-')) return undefined
  return { cluster: words[1]!, json, dataDir }
}

/** The instance file's ws URL and token, checked as instance-file.ts checks it (without zod). */
function runningInstance(dataDir: string): { wsUrl: string; token: string } | undefined {
  let info: Record<string, unknown>
  try {
    // Never a blocking read: a FIFO or a folder in its place is refused at once (then the full CLI explains).
    info = JSON.parse(readBoundedTextSync(join(dataDir, 'instance.json'), { maxBytes: 64 * 1024 }) ?? 'null') as Record<string, unknown>
    const ok =
      Number.isInteger(info.pid) &&
      typeof info.wsUrl === 'string' &&
      info.wsUrl.startsWith('ws://') &&
      typeof info.token === 'string' &&
      info.token.length >= 20 &&
      (info.kind === 'desktop' || info.kind === 'headless') &&
      typeof info.startedAt === 'string'
    if (!ok) return undefined
    // A pid reused by another process passes this; the call below then fails fast (nothing of
    // ours answers there) and the full CLI, which probes the instance, takes over.
    process.kill(info.pid as number, 0)
  } catch {
    return undefined
  }
  return { wsUrl: info.wsUrl as string, token: info.token as string }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Every field the printed forms read, with its type: a reply of another shape goes to the full CLI. */
function printable(v: unknown): v is ClusterStatus {
  return (
    isRecord(v) &&
    typeof v.cluster === 'string' &&
    typeof v.at === 'string' &&
    (v.primary === null || typeof v.primary === 'string') &&
    v.splitBrain === null &&
    Array.isArray(v.members) &&
    v.members.every(
      (m) =>
        isRecord(m) &&
        typeof m.name === 'string' &&
        typeof m.host === 'string' &&
        typeof m.port === 'number' &&
        typeof m.state === 'string' &&
        (m.down === null || isRecord(m.down)) &&
        (m.lagSeconds === null || typeof m.lagSeconds === 'number') &&
        (m.lagBytes === null || typeof m.lagBytes === 'number'),
    )
  )
}

/** The exit code when answered here (0); undefined: run the full CLI (nothing was printed). */
export async function fastStatus(argv: string[], io: FastIo): Promise<number | undefined> {
  const args = fastStatusArgs(argv)
  if (!args) return undefined
  const instance = runningInstance(resolveDataDir({ flag: args.dataDir, env: io.env }))
  if (!instance) return undefined
  let reply: unknown
  try {
    // A loopback instance answers in milliseconds; past these the full CLI tries (and explains).
    reply = await callOnce({ url: instance.wsUrl, token: instance.token, method: 'status.get', input: { cluster: args.cluster }, connectTimeoutMs: 2000, replyTimeoutMs: 30_000 })
  } catch {
    return undefined
  }
  if (!isRecord(reply) || reply.ok !== true || !printable(reply.value)) return undefined
  io.out(args.json ? JSON.stringify(reply.value, null, 2) : formatStatus(reply.value))
  return 0
}
