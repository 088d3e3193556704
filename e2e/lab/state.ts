// The lab state file: written by `up`, read by every test (through readLab) and by the
// fault verbs. Parsed with a schema because it is a file read back from disk.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import { LabError } from './run'

/** Everything the lab owns lives under this dir (state, keys, per-host dirs). */
export const labRoot = () => process.env.REPLICADESK_LAB_DIR ?? '/var/lib/replicadesk-lab'
/** The lab tests read. `npm run lab -- up` writes the default; each test run sets its own. */
export const statePath = () => process.env.REPLICADESK_LAB_STATE ?? join(labRoot(), 'state.json')

const hostSchema = z.object({
  name: z.string(),
  /** Address the tests (root netns) and the other hosts connect to. */
  address: z.string(),
  port: z.number(),
  hostname: z.string(),
  hostKeyFingerprint: z.string(), // as `ssh-keygen -lf` prints it: SHA256:…
  hostKeyPublic: z.string(), // "ssh-ed25519 AAAA…"
  sudoAsksPassword: z.boolean(),
  /** Network namespace name (netns mode) and the machine side of its veth. */
  ns: z.string(),
  veth: z.string(),
  /** Machine-side dir holding this host's private copies, keys and logs. */
  dir: z.string(),
  sshdOptions: z.array(z.string()),
  /** The host's own /etc/machine-id ('' in loopback mode: the machine's). */
  machineId: z.string().default(''),
  /** Started bare: the database packages hidden until the host's apt-get stand-in installs them. */
  bare: z.boolean().default(false),
})

export const labSchema = z.object({
  version: z.literal(1),
  prefix: z.string(),
  mode: z.enum(['netns', 'loopback']),
  dir: z.string(),
  subnet: z.string(), // "10.77.X.0/24" (netns) or "127.0.0.1" (loopback)
  bridge: z.string(),
  gateway: z.string(), // the machine's address on the bridge
  hosts: z.array(hostSchema),
  clientKeyPath: z.string(),
  clientPublicKey: z.string(),
  knownHostsPath: z.string(),
  sshConfigPath: z.string(),
  users: z.object({ postgres: z.string(), admin: z.string() }),
  /** Password of the admin user (needed only on hosts whose sudo asks for it). */
  adminPassword: z.string(),
  pgBin: z.string(),
  pgVersion: z.string(),
  createdAt: z.string(),
  upMs: z.number(),
})

export type Lab = z.infer<typeof labSchema>
export type LabHost = z.infer<typeof hostSchema>

export function writeLab(lab: Lab) {
  mkdirSync(dirname(statePath()), { recursive: true })
  const tmp = `${statePath()}.tmp`
  writeFileSync(tmp, JSON.stringify(lab, null, 2) + '\n')
  renameSync(tmp, statePath()) // atomic: a reader never sees half a file
}

/** The lab brought up by `npm run lab -- up` or by the vitest global setup. */
export function readLab(): Lab {
  let text: string
  try {
    text = readFileSync(statePath(), 'utf8')
  } catch {
    throw new LabError(`no lab is up (${statePath()} missing): run \`npm run lab -- up\` or the lab test project`)
  }
  return labSchema.parse(JSON.parse(text))
}

export function findHost(lab: Lab, host: string | LabHost): LabHost {
  const name = typeof host === 'string' ? host : host.name
  const found = lab.hosts.find((h) => h.name === name)
  if (!found) throw new LabError(`no lab host named ${name} (hosts: ${lab.hosts.map((h) => h.name).join(', ')})`)
  return found
}
