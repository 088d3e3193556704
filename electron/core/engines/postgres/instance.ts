// Starting, stopping and finding a member's postmaster, per layout: pg_ctl for a plain data
// dir (with -l LOG -w, so the postmaster does not hold the SSH channel), pg_ctlcluster for a
// Debian-style cluster (it waits, and keeps the cluster's own log and options).
import { logFile, type PgMember } from './model'
import type { Command, PgNode } from './node'
import { claimKey } from './claims'
import { RUNNING, START_PLAIN, UNCLAIM } from './scripts'
import { explainGuardFailure } from './data-dir-guard'

export const START_TIMEOUT_S = 300

const debianArgs = (m: PgMember, major: string) => [major, m.debianName]

export function startCommand(n: PgNode): Command {
  const m = n.member
  if (m.layout === 'debian') return n.pg(['pg_ctlcluster', ...debianArgs(m, n.major), 'start'])
  return n.pg(['sh', '-c', START_PLAIN, 'sh', n.tool('pg_ctl'), m.dataDir, logFile(m, n.major), String(START_TIMEOUT_S)], 'pg_ctl start, then waits until it accepts connections')
}

export function stopCommand(n: PgNode): Command {
  const m = n.member
  if (m.layout === 'debian') return n.pg(['pg_ctlcluster', ...debianArgs(m, n.major), 'stop', '-m', 'fast'])
  return n.pg([n.tool('pg_ctl'), '-D', m.dataDir, '-m', 'fast', '-w', '-t', String(START_TIMEOUT_S), 'stop'])
}

export function restartCommand(n: PgNode): Command {
  const m = n.member
  if (m.layout === 'debian') return n.pg(['pg_ctlcluster', ...debianArgs(m, n.major), 'restart', '-m', 'fast'])
  return n.pg([n.tool('pg_ctl'), '-D', m.dataDir, '-l', logFile(m, n.major), '-m', 'fast', '-w', '-t', String(START_TIMEOUT_S), 'restart'])
}

export const runningCommand = (n: PgNode): Command => n.pg(['sh', '-c', RUNNING, 'sh', n.member.dataDir])

/** A postmaster runs on the member's data dir (read from its postmaster.pid). */
export async function isRunning(n: PgNode): Promise<boolean> {
  return (await n.run(runningCommand(n))).stdout.trim() === 'running'
}

export const execTimeoutMs = (seconds: number) => (seconds + 30) * 1000

/**
 * Gives back a data dir this operation claimed: removed if the operation made it (else
 * emptied), and the claim dropped. Where postgres cannot remove the dir itself (a parent of
 * root's, e.g. /srv), an admin login removes the then empty dir as root.
 */
export async function releaseDataDir(n: PgNode, operationId: string, made: boolean, prot: string): Promise<void> {
  const m = n.member
  // UNCLAIM runs the data-dir guard (data-dir-guard.ts) first; PROTECTED: other members' data dirs there.
  await n.run(n.pg(['sh', '-c', UNCLAIM, 'sh', claimKey(m.dataDir), operationId, m.dataDir, prot])).catch((err: unknown) => {
    throw explainGuardFailure(err, m.host, m.dataDir, 'delete')
  })
  if (made && m.access === 'sudo') await n.run(n.root(['rmdir', '--ignore-fail-on-non-empty', '--', m.dataDir]), { okExitCodes: [0, 1] })
}
