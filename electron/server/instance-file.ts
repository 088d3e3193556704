// `<dataDir>/instance.json` tells the CLI that an instance drives this data dir and how to
// reach it (loopback WebSocket + token). 0600: the token is as good as the user's session.
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'

export const instanceInfo = z.object({
  pid: z.number().int(),
  wsUrl: z.string().startsWith('ws://'),
  token: z.string().min(20),
  kind: z.enum(['desktop', 'headless']),
  startedAt: z.string(),
})
export type InstanceInfo = z.infer<typeof instanceInfo>

const fileOf = (dataDir: string) => join(dataDir, 'instance.json')

export async function writeInstanceFile(dataDir: string, info: InstanceInfo): Promise<void> {
  await writeFile(fileOf(dataDir), JSON.stringify(info), { mode: 0o600 })
}

export async function removeInstanceFile(dataDir: string, pid = process.pid): Promise<void> {
  const current = await readInstanceFile(dataDir)
  if (current?.pid === pid) await rm(fileOf(dataDir), { force: true })
}

/** The running instance of this data dir, or undefined (none, or a leftover of a dead one). */
export async function readInstanceFile(dataDir: string): Promise<InstanceInfo | undefined> {
  let raw: string
  try {
    raw = await readFile(fileOf(dataDir), 'utf8')
  } catch {
    return undefined
  }
  try {
    const info = instanceInfo.parse(JSON.parse(raw))
    process.kill(info.pid, 0)
    return info
  } catch {
    return undefined
  }
}
