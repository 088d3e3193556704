// One fresh world per test: a data dir, three local test hosts, the fake operation's params,
// an operations service whose every event is checked against the shared schemas, and a way
// to start the child process (tsx) that runs or holds things in another process.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { operationEvent, type OperationEvent } from '../../../shared/operations'
import { loadInstanceId } from '../../../electron/core/operations/instance-id'
import { createOperations, type OperationsOptions } from '../../../electron/core/operations/operations'
import { FAKE_MEMBERS, fakeKinds, fakeReplica, writeSeed, type FakeParams } from './fake-operation'
import { createLocalHosts } from './local-hosts'

export async function makeWorld(over: Partial<FakeParams> = {}, opts: Partial<OperationsOptions> = {}) {
  const root = await mkdtemp(join(tmpdir(), 'rd-ops-'))
  const dataDir = join(root, 'data')
  const hosts = await createLocalHosts(join(root, 'hosts'), FAKE_MEMBERS)
  const params: FakeParams = { host: 'db2', dir: 'replica', chunks: 4, chunkBytes: 4096, delayMs: 5, log: join(root, 'calls.log'), ...over }
  const seed = await writeSeed(hosts.dirOf(params.host), params)
  const events: OperationEvent[] = []
  const instanceId = await loadInstanceId(dataDir)
  const ops = createOperations({
    dataDir,
    instanceId,
    remote: hosts,
    emit: (e) => events.push(operationEvent.parse(e)), // what crosses to the UI must fit the schema
    kinds: fakeKinds,
    lease: { root: 'leases', ttlSeconds: 30 },
    fault: null,
    ...opts,
  })
  const def = (p: Partial<FakeParams> = {}) => fakeReplica.create({ clusterId: 'c1', params: { ...params, ...p }, members: FAKE_MEMBERS })
  /** Lines of the call log: `{ pid, what }` where what is e.g. `run:copy`. */
  const calls = async () =>
    (await readFile(params.log, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => ({ pid: Number(line.split(' ')[0]), what: line.split(' ')[1]! }))
  const replicaFile = (name: string) => readFile(join(hosts.dirOf(params.host), params.dir, name))
  return { root, dataDir, hosts, params, seed, events, instanceId, ops, def, calls, replicaFile }
}

export type World = Awaited<ReturnType<typeof makeWorld>>

// node itself with tsx's loader (not the tsx binary, which wraps node in a second process):
// the SIGKILL a fault sends then shows as the child's exit signal.
const childScript = join(import.meta.dirname, 'child.ts')
const childArgv = (args: string[]) => ['--import', 'tsx', childScript, ...args]

export interface ChildResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export function runChild(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, childArgv(args), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

/** Starts `child.ts hold …` and resolves once it holds the lease; kill it with the returned function. */
export function holdLeaseInChild(world: World, instanceId: string, ttlSeconds: number): Promise<{ pid: number; kill: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, childArgv(['hold', world.dataDir, world.hosts.root, 'c1', instanceId, String(ttlSeconds)]), { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.stdout.on('data', (d: Buffer) => {
      if (!d.toString().includes('held')) return
      const exited = new Promise<void>((r) => child.once('exit', () => r()))
      const kill = () => {
        child.kill('SIGKILL')
        return exited
      }
      resolve({ pid: child.pid!, kill })
    })
    child.on('exit', (code) => reject(new Error(`lease holder exited (${code}) before holding: ${stderr}`)))
  })
}
