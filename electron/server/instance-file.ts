// `<dataDir>/instance.json` tells the CLI that an instance drives this data dir and how to
// reach it (loopback WebSocket + token). 0600: the token is as good as the user's session.
// A file is only believed when its process runs AND the instance answers on its port with its
// token (instance-probe.ts): a leftover whose pid was reused never blocks the CLI or `serve`.
import { randomBytes } from 'node:crypto'
import { open, rename, rm, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { FileProblem, readBoundedText } from '../core/store/bounded-read'
import { storeAccessError } from '../core/store/fs-errors'
import { probeInstance, PROBE_TIMEOUT_MS } from './instance-probe'

export const instanceInfo = z.object({
  pid: z.number().int(),
  wsUrl: z.string().startsWith('ws://'),
  token: z.string().min(20),
  kind: z.enum(['desktop', 'headless']),
  startedAt: z.string(),
})
export type InstanceInfo = z.infer<typeof instanceInfo>

/** What instance.json says about this data dir. */
export type InstanceLookup =
  | { state: 'none' }
  | { state: 'running'; info: InstanceInfo }
  /** A leftover (or unreadable) file: nothing answers through it. `why` says what was found. */
  | { state: 'stale'; info?: InstanceInfo; why: string }

const fileOf = (dataDir: string) => join(dataDir, 'instance.json')

export async function writeInstanceFile(dataDir: string, info: InstanceInfo): Promise<void> {
  const file = fileOf(dataDir)
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    // Atomic: a CLI reading at the same moment sees the old file or the new one, never half.
    const handle = await open(temp, 'wx', 0o600)
    try {
      await handle.writeFile(JSON.stringify(info))
    } finally {
      await handle.close()
    }
    await rename(temp, file)
  } catch (err) {
    await unlink(temp).catch(() => undefined) // may not exist: the failure came first
    throw storeAccessError(file, err, `Writing ${file} (how the CLI finds this instance)`)
  }
}

/** Removes the file if it is this process's (another instance may have replaced it since). */
export async function removeInstanceFile(dataDir: string, pid = process.pid): Promise<void> {
  const current = await readRecord(dataDir).catch(() => undefined)
  if (current && 'info' in current && current.info.pid === pid) await rm(fileOf(dataDir), { force: true })
}

/** The file's content, parsed; no liveness check. */
async function readRecord(dataDir: string): Promise<{ info: InstanceInfo } | { why: string } | undefined> {
  let text: string | undefined
  try {
    text = await readBoundedText(fileOf(dataDir), { maxBytes: 64 * 1024 })
  } catch (err) {
    if (err instanceof FileProblem) return { why: err.message }
    throw err
  }
  if (text === undefined) return undefined
  try {
    return { info: instanceInfo.parse(JSON.parse(text)) }
  } catch {
    return { why: `${fileOf(dataDir)} is not a valid instance file` }
  }
}

function pidRuns(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' // runs, as another user
  }
}

/** Whether an instance drives this data dir; bounded (one probe of at most `probeTimeoutMs`). */
export async function lookupInstance(dataDir: string, probeTimeoutMs = PROBE_TIMEOUT_MS): Promise<InstanceLookup> {
  const record = await readRecord(dataDir)
  if (!record) return { state: 'none' }
  if (!('info' in record)) return { state: 'stale', why: record.why }
  const { info } = record
  if (!pidRuns(info.pid)) return { state: 'stale', info, why: `process ${info.pid} is gone` }
  const answer = await probeInstance(info.wsUrl, info.token, probeTimeoutMs)
  if (!answer.ok) return { state: 'stale', info, why: `process ${info.pid} runs, but ${info.wsUrl} ${answer.why}: a leftover of an instance that is gone (its pid now belongs to another process)` }
  return { state: 'running', info }
}

/** The running instance of this data dir, or undefined (none, or a leftover of a dead one). */
export async function readInstanceFile(dataDir: string): Promise<InstanceInfo | undefined> {
  const found = await lookupInstance(dataDir)
  return found.state === 'running' ? found.info : undefined
}
