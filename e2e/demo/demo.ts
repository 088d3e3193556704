// The newcomer's demo: a local 3-host lab (network namespaces with sshd and PostgreSQL 15),
// host records for it, and a cluster "demo" with a primary on host1 and a streaming replica
// on host2, made by ReplicaDesk's own operations. `npm start` runs it, then serves the UI.
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { OperationSummary } from '../../shared/operations'
import { createCore, type Core } from '../../electron/core/core'
import { execOk, labDown, labRoot, labUp, type Lab } from '../lab'

export interface Demo {
  lab: Lab
  dataDir: string
  /** What the ReplicaDesk that serves the demo needs in its environment. */
  env: Record<string, string>
}

const dataDirOf = (primary: string) => `/var/lib/postgresql/15/${primary}`

async function runToEnd(core: Core, method: string, input: unknown): Promise<OperationSummary> {
  let resolveDone!: (op: OperationSummary) => void
  const done = new Promise<OperationSummary>((r) => (resolveDone = r))
  let id: string | undefined
  const seen = new Map<string, OperationSummary>()
  const stop = core.events.subscribe((name, payload) => {
    if (name !== 'operationChanged') return
    const op = (payload as { operation: OperationSummary }).operation
    if (!['succeeded', 'failed', 'abandoned', 'interrupted'].includes(op.status)) return
    seen.set(op.id, op)
    if (op.id === id) resolveDone(op)
  })
  try {
    const reply = await core.dispatch(method, input)
    if (!reply.ok) throw new Error(`${method}: ${reply.error.message}`)
    id = (reply.value as { operation: OperationSummary }).operation.id
    const early = seen.get(id)
    const op = early ?? (await done)
    if (op.status !== 'succeeded') throw new Error(`${op.title} ${op.status}: ${op.error?.message ?? ''}`)
    return op
  } finally {
    stop()
  }
}

/** Runs one demo step; a failure stops the demo with the step's name and its error. */
async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    throw new Error(`The demo stopped: ${name} failed: ${(err as Error).message}`, { cause: err })
  }
}

/** The demo's lab has its own state file (unless the caller chose one), apart from the test lab's. */
export function useDemoLabState(): void {
  process.env.REPLICADESK_LAB_STATE ??= join(labRoot(), 'demo.json')
}

/** Brings the demo up from nothing (an earlier demo, even a killed one, is removed first and named). */
export async function setUpDemo(opts: { log?: (msg: string) => void; dataDir?: string } = {}): Promise<Demo> {
  const log = opts.log ?? (() => {})
  useDemoLabState()
  const leftovers = await step('removing an earlier demo lab', () => labDown())
  if (leftovers.length) log(`Removed what an earlier demo left behind: ${leftovers.join(', ')}`)
  log('Starting the demo lab: 3 hosts with sshd and PostgreSQL 15…')
  const lab = await step('starting the lab', () => labUp({ hosts: 3, persistent: true, log }))
  const dataDir = opts.dataDir ?? join(labRoot(), 'demo-data')
  rmSync(dataDir, { recursive: true, force: true })
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const env = { REPLICADESK_KNOWN_HOSTS: lab.knownHostsPath, REPLICADESK_SSH_CONFIG: join(dataDir, 'no-ssh-config') }
  Object.assign(process.env, env)
  const core = await createCore({ dataDir })
  try {
    for (const h of lab.hosts) {
      const reply = await core.dispatch('host.add', { name: h.name, address: h.address, user: 'postgres', identityFile: lab.clientKeyPath })
      if (!reply.ok) throw new Error(`The demo stopped: adding host ${h.name} failed: ${reply.error.message}`)
    }
    log('Creating cluster "demo": a primary on host1…')
    await step('creating the primary', () => runToEnd(core, 'cluster.create', { cluster: 'demo', member: 'pg1', host: 'host1', pgdata: dataDirOf('pg1') }))
    await step('loading sample data (pgbench -i)', () => execOk('host1', ['/usr/lib/postgresql/15/bin/pgbench', '-i', '-s', '2', '-q', '-h', '/var/run/postgresql', 'postgres'], { user: 'postgres', timeoutMs: 120_000 }))
    log('Adding a replica on host2…')
    await step('adding the replica', () => runToEnd(core, 'replica.add', { cluster: 'demo', name: 'pg2', host: 'host2', pgdata: dataDirOf('pg2') }))
  } finally {
    await core.close()
  }
  return { lab, dataDir, env }
}

export async function tearDownDemo(): Promise<void> {
  useDemoLabState()
  await labDown()
}
