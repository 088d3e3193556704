// The copy of a primary's datadir into a new replica's: `mariadb-backup --backup
// --stream=xbstream` on the primary (as mysql: unix_socket over the member's socket, reading the
// server's own option file so InnoDB's layout is the server's) streamed into `mbstream -x` on the
// replica (as mysql, behind the data-dir guard, only into a datadir this operation claimed).
// The stream is relayed through ReplicaDesk's own SSH connections (ssh/pipe.ts): no port opens
// between the hosts and the data stays inside two encrypted channels.
// Relayed is the default, by measurement (e2e/bench/mariadb-replica.bench.ts, lab of 3 netns hosts
// on the 2-core VM, 300 MB seeded = a 440 MB stream, 3 alternating rounds, load 1.5): relayed
// 232 MB/s (1.90 s) vs the same stream by hand, `ssh host1 mariadb-backup … | ssh host2 mbstream
// -x`: 108 MB/s with OpenSSH's default cipher (ratio 0.47), 152 MB/s with AES-GCM (0.65); the
// whole add-replica 3.3 s, 0.80× the bare copy alone. Under load (~9) 64 vs 26 MB/s.
// Progress: bytes relayed against the copy's size estimated just before (copySizeOf: the
// primary's datadir files and its redo log since the last checkpoint; what the server writes
// during the copy and the stream's own framing come on top), so the total follows the bytes
// when they pass it and the bar is set to 100 % at the end.
import type { Report } from '../../operations'
import type { Arg, PipeResult } from '../../ssh'
import type { HostPipe } from '../host-exec'
import { optionFile, socketOf, type MariaMember } from './model'
import type { MariaNode } from './node'
import { sqlValue } from './sql'
import { COPY_SIZE, RECEIVE } from './add-replica/scripts'

/** Where mariadb-backup may put its own temporary files (none with --stream; named for the orphan search). */
export const backupTargetDir = (key: string) => `/tmp/rd-backup-${key}`

/** The source end, as mysql on the primary. Debian: the server's /etc/mysql/my.cnf (its drop-ins); plain: ReplicaDesk's option file. */
export function backupArgv(primary: MariaMember, key: string): Arg[] {
  const defaults = primary.layout === 'plain' ? [`--defaults-file=${optionFile(primary)}`] : []
  return ['env', '-C', '/', 'mariadb-backup', ...defaults, '--backup', '--stream=xbstream', '--user=mysql', `--socket=${socketOf(primary)}`, `--target-dir=${backupTargetDir(key)}`]
}

/** The receiving end, as mysql on the replica: the guard, the datadir emptied, then mbstream. */
export const receiveArgv = (replica: MariaMember, key: string, opId: string, prot: string): Arg[] => ['env', '-C', '/', 'sh', '-c', RECEIVE, 'sh', key, opId, replica.dataDir, prot]

/** The redo log mariadb-backup copies: from the last checkpoint on (what it writes during the copy comes on top). */
const REDO_SQL = "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'INNODB_CHECKPOINT_AGE'"

/**
 * What a copy of the primary would move, estimated: its datadir's files (see COPY_SIZE) and the
 * redo log since the last checkpoint (right after a bulk load that is a good part of it).
 */
export async function copySizeOf(n: MariaNode): Promise<number> {
  const [r, redo] = await Promise.all([n.run(n.mysql(['sh', '-c', COPY_SIZE, 'sh', n.member.dataDir]), { timeoutMs: 60_000 }), sqlValue(n, REDO_SQL).catch(() => null)])
  const bytes = Number(r.stdout.trim()) + (Number(redo) || 0)
  return Number.isFinite(bytes) && bytes > 0 ? bytes : 0
}

export interface CopyInput {
  primary: MariaNode
  replica: MariaNode
  /** The replica datadir's claim key, and the operation that claimed it. */
  key: string
  opId: string
  /** The datadirs the guard keeps away from on the replica's host. */
  prot: string
  /** The estimate the bar is measured against. */
  sizeBytes: number
  timeoutMs: number
  /** Fails when no byte moved for this long (a stuck end). */
  idleTimeoutMs: number
}

/** The last lines mariadb-backup printed (errors name what failed: a lock, a grant, a disk). */
class StderrTail {
  private text = ''
  push(chunk: Buffer): void {
    this.text = (this.text + chunk.toString()).slice(-8192)
  }
  lines(n: number): string[] {
    return this.text.trim().split('\n').slice(-n)
  }
}

/** Runs the copy with byte progress (and a heartbeat while mariadb-backup is busy before its first byte). */
export async function copyDatadir(pipe: HostPipe, c: CopyInput, report: Report): Promise<PipeResult & { stderrTail: string[] }> {
  const from = c.primary.member
  const message = `Copying from ${from.name} on ${from.host} (mariadb-backup)`
  let total = Math.max(c.sizeBytes, 1)
  let done = 0
  let last = 0
  const say = (bytes: number) => {
    done = bytes
    // The estimate is short when the copy carries more than it counted: the total follows.
    if (bytes > total) total = Math.ceil(bytes * 1.02)
    last = Date.now()
    report({ bytesDone: bytes, bytesTotal: total, message })
  }
  const heartbeat = setInterval(() => {
    if (Date.now() - last >= 800) say(done)
  }, 200)
  const stderr = new StderrTail()
  try {
    const r = await pipe.pipe(from.host, backupArgv(from, c.key), c.replica.host, receiveArgv(c.replica.member, c.key, c.opId, c.prot), {
      timeoutMs: c.timeoutMs,
      idleTimeoutMs: c.idleTimeoutMs,
      fromSudo: 'mysql',
      toSudo: 'mysql',
      onBytes: say,
      onStderr: (side, chunk) => side === 'from' && stderr.push(chunk),
    })
    report({ bytesDone: total, bytesTotal: total, message: `Copied ${(r.bytes / 1e6).toFixed(0)} MB from ${from.name}` })
    return { ...r, stderrTail: stderr.lines(5) }
  } finally {
    clearInterval(heartbeat)
  }
}
