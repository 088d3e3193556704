// Set-up of the MariaDB replica lab tests and bench (test code, not used by the app): an SSH
// service logged in to every lab host as the admin (sudo -n), a HostExec with the pipe, the
// MariaDB engine, an operations service whose every event is checked against the shared
// schemas, a child process that runs an add-replica and SIGKILLs itself at a fault point, and
// a clean-up that stops and removes every server and file a test made on the hosts.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { operationEvent, type OperationEvent, type OperationSummary } from '../../../shared/operations'
import { exec as labExec } from '../../lab'
import { resetDebianMariaDb } from './lab'
import { labContext } from '../ssh/lab-fixtures'
import { createOperations, loadInstanceId, type OperationDefinition } from '../../../electron/core/operations'
import { remoteRunnerOf, sshHostExec } from '../../../electron/core/engines/host-exec'
import { createMariaDbEngine } from '../../../electron/core/engines/mariadb/engine'
import type { MariaClusterInput, MariaMemberInput } from '../../../electron/core/engines/mariadb/model'

export async function makeReplicaWorld(dataDir?: string) {
  const ctx = labContext()
  const ssh = ctx.service()
  const hosts = sshHostExec(ssh, (host) => ctx.target(host, ctx.lab.users.admin))
  const engine = createMariaDbEngine({ hosts })
  const root = dataDir ? undefined : await mkdtemp(join(tmpdir(), 'rd-maria-lab-'))
  const dir = dataDir ?? join(root!, 'data')
  const events: OperationEvent[] = []
  const ops = createOperations({
    dataDir: dir,
    instanceId: await loadInstanceId(dir),
    remote: remoteRunnerOf(hosts),
    emit: (e) => events.push(operationEvent.parse(e)),
    kinds: engine.kinds,
    lease: { ttlSeconds: 60, sudo: true },
    ...(dataDir ? {} : { fault: null }),
  })

  /** Runs an operation to its end; the events of that operation only. */
  async function run(def: OperationDefinition<unknown>): Promise<{ summary: OperationSummary; events: OperationEvent[]; ms: number }> {
    const from = events.length
    const t0 = performance.now()
    const summary = await ops.runOperation(def)
    return { summary, events: events.slice(from), ms: performance.now() - t0 }
  }

  /** Root inside a lab host (no SSH); stdout, or an error naming the host. */
  async function asRoot(host: string, argv: string[], user = 'root'): Promise<string> {
    const r = await labExec(ctx.host(host), argv, { user, timeoutMs: 120_000 })
    if (r.code !== 0) throw new Error(`${host}: ${argv.join(' ').slice(0, 200)} exited ${r.code}: ${r.stderr || r.stdout}`)
    return r.stdout
  }

  const close = async () => {
    await ctx.closeAll()
    if (root) await rm(root, { recursive: true, force: true })
  }
  return { ctx, lab: ctx.lab, ssh, hosts, engine, ops, events, run, asRoot, dataDir: dir, close }
}

export type ReplicaWorld = Awaited<ReturnType<typeof makeReplicaWorld>>

/** A plain member of the test cluster: /srv/mdb/NAME on HOST, port 3310 (every host its own /srv and /run/mysqld). */
export const plainMember = (name: string, host: string, address: string, serverId: number): MariaMemberInput => ({ name, host, address, port: 3310, dataDir: `/srv/mdb/${name}`, layout: 'plain', serverId })

export const clusterOf = (id: string, members: MariaMemberInput[]): MariaClusterInput => ({ engine: 'mariadb', id, members })

/**
 * Stops every mariadbd of this host whose datadir is under /srv/mdb (TERM, then KILL), its
 * orphaned mbstream or mariadb-backup (never another host's: the lab shares one pid namespace),
 * and removes /srv/mdb, ReplicaDesk's files under
 * /etc/mysql/replicadesk and the leases. Whatever state a test left.
 */
const CLEANUP = String.raw`ns=$(readlink /proc/self/ns/mnt)
# The lab's hosts share the machine's pid namespace: only processes of this host (its mount namespace).
mine() { for c in /proc/[0-9]*/comm; do
  read -r n < "$c" 2>/dev/null || continue
  d=${'$'}{c%/comm}
  [ "$(readlink "$d/ns/mnt" 2>/dev/null)" = "$ns" ] || continue
  [ "$(cut -d' ' -f3 "$d/stat" 2>/dev/null)" = Z ] && continue
  case $n in
    mariadbd) case $(readlink "$d/cwd" 2>/dev/null) in /srv/mdb/*) echo "server ${'$'}{d#/proc/}" ;; esac ;;
    mbstream|mariadb-backup) echo "copy ${'$'}{d#/proc/}" ;;
  esac
done; }
mine | while read -r what pid; do [ "$what" = copy ] && kill -KILL "$pid" 2>/dev/null; [ "$what" = server ] && kill -TERM "$pid" 2>/dev/null; done
for i in $(seq 100); do
  [ -z "$(mine)" ] && break
  [ "$i" = 60 ] && mine | while read -r what pid; do kill -KILL "$pid" 2>/dev/null; done
  sleep 0.1
done
rm -rf /srv/mdb /etc/mysql/replicadesk /var/lib/replicadesk/leases /run/mysqld/rd-3310.sock /run/mysqld/rd-3310.sock.lock
exit 0`

/** `debian`: hosts whose Debian layout a test used (its unit, /var/lib/mysql and /etc/mysql put back as the lab made them). */
export async function cleanupHosts(w: ReplicaWorld, hosts: readonly string[], o: { debian?: readonly string[] } = {}): Promise<void> {
  await Promise.all(hosts.map((h) => w.asRoot(h, ['sh', '-c', CLEANUP])))
  await Promise.all((o.debian ?? []).map((h) => resetDebianMariaDb(w.lab, h)))
}

/**
 * What is left of a member on its host: its datadir (plain: at all; Debian's /var/lib/mysql: not
 * empty), ReplicaDesk's files (ours and the Debian drop-in), a server on the datadir, Debian's
 * unit enabled. Empty: nothing.
 */
export async function leftOn(w: ReplicaWorld, host: string, dataDir: string): Promise<string[]> {
  const out = await w.asRoot(host, ['sh', '-c', String.raw`d=$1
if [ "$d" = /var/lib/mysql ]; then [ -n "$(find "$d" -mindepth 1 -maxdepth 1 -print -quit)" ] && echo "datadir $d (not empty)"
elif [ -e "$d" ]; then echo "datadir $d"; fi
find /etc/mysql/replicadesk -type f 2>/dev/null | sed 's/^/file /'
[ -e /etc/mysql/mariadb.conf.d/60-replicadesk.cnf ] && echo "file /etc/mysql/mariadb.conf.d/60-replicadesk.cnf"
[ "$d" = /var/lib/mysql ] && systemctl is-enabled -q mariadb 2>/dev/null && echo "unit enabled"
ns=$(readlink /proc/self/ns/mnt)
for c in /proc/[0-9]*/comm; do read -r n < "$c" 2>/dev/null; [ "$n" = mariadbd ] || continue; p=${'$'}{c%/comm}; [ "$(readlink "$p/ns/mnt")" = "$ns" ] || continue; [ "$(cut -d' ' -f3 "$p/stat")" = Z ] && continue; [ "$(readlink "$p/cwd")" = "$d" ] && echo "server on $d"; done
exit 0`, 'sh', dataDir])
  return out.split('\n').filter(Boolean)
}

/** A Debian-layout member of the test cluster: Debian's own server on HOST (/var/lib/mysql, port 3306, its unit). */
export const debianMember = (name: string, host: string, address: string, serverId: number): MariaMemberInput => ({ name, host, address, port: 3306, dataDir: '/var/lib/mysql', layout: 'debian', serverId })

/** SQL as root on a member's socket (plain: rd-3310; `debian`: Debian's), rows as lines. */
export const sqlOn = (w: ReplicaWorld, host: string, sql: string, debian = false) =>
  w.asRoot(host, ['mariadb', '--no-defaults', `--socket=${debian ? '/run/mysqld/mysqld.sock' : '/run/mysqld/rd-3310.sock'}`, '--batch', '--skip-column-names', '-e', sql]).then((s) => s.trim())

export interface ChildRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs SCRIPT (a child of this folder) with REPLICADESK_FAULT set: it SIGKILLs itself at `fault`;
 *  a child still running after killAfterMs is killed. */
export function runFaultChild(script: string, args: string[], fault: string, killAfterMs: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, script), ...args], { env: { ...process.env, REPLICADESK_FAULT: fault }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

/** Runs `replica-child.ts` (an add-replica on `dataDir`'s journal) that SIGKILLs itself at `fault`. */
export const runAddInChild = (dataDir: string, params: unknown, fault: string) => runFaultChild('replica-child.ts', [dataDir, JSON.stringify(params)], fault, 180_000)
