// The drop-in on each member's Patroni unit (config.ts, patroniDropIn: restart on failure, after
// the host's etcd): written by the hand-over's config step before any Patroni starts, removed by
// the hand-back once Patroni is stopped and disabled; each followed by `systemctl daemon-reload`.
import { AppError } from '../../../../../shared/errors'
import type { StepCommand } from '../../../operations'
import type { HostExec } from '../../host-exec'
import type { PgCluster } from '../model'
import { markOf, patroniDropIn, patroniDropInFile } from './config'
import { FIRST_LINE, PUT_ROOT_FILE } from './scripts'

const TIMEOUT_MS = 15_000
const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i)

/** As root: PUT_ROOT_FILE, its directory made first (0755). Args: FILE MODE OWNER */
const PUT_DROP_IN = `mkdir -p -m 755 -- "$(dirname -- "$1")" || exit 1\n${PUT_ROOT_FILE}`
/** As root: FILE removed, and its directory when nothing else is in it. Args: FILE */
const REMOVE_DROP_IN = String.raw`rm -f -- "$1" && { rmdir -- "$(dirname -- "$1")" 2>/dev/null; exit 0; }`
const putArgv = (file: string) => ['sh', '-c', PUT_DROP_IN, 'sh', file, '644', 'root']
const removeArgv = (file: string) => ['sh', '-c', REMOVE_DROP_IN, 'sh', file]
const RELOAD = ['systemctl', 'daemon-reload']
const hostsOf = (c: PgCluster) => [...new Set(c.members.map((m) => m.host))]

export const dropInPlan = (c: PgCluster): StepCommand[] => [
  ...c.members.map((m) => ({ host: m.host, argv: putArgv(patroniDropInFile(c, m)), runAs: 'root', note: `${patroniDropInFile(c, m)} (0644 root) over stdin:\n${patroniDropIn(c, m)}` })),
  ...hostsOf(c).map((h) => ({ host: h, argv: RELOAD, runAs: 'root' })),
]

export const dropInRemovalPlan = (c: PgCluster): StepCommand[] => [
  ...c.members.map((m) => ({ host: m.host, argv: removeArgv(patroniDropInFile(c, m)), runAs: 'root', note: 'ReplicaDesk\'s drop-in on the Patroni unit' })),
  ...hostsOf(c).map((h) => ({ host: h, argv: RELOAD, runAs: 'root' })),
]

/** Each member's drop-in's first line ('' when there is none). */
const marksOn = (hosts: HostExec, c: PgCluster) => Promise.all(c.members.map(async (m) => (await hosts.exec(m.host, ['sh', '-c', FIRST_LINE, 'sh', patroniDropInFile(c, m)], { timeoutMs: TIMEOUT_MS, okExitCodes: ANY_EXIT })).stdout.trim()))

/** Whether every member's drop-in is the one this record makes. */
export async function dropInsWritten(hosts: HostExec, c: PgCluster): Promise<boolean> {
  const marks = await marksOn(hosts, c)
  return c.members.every((m, i) => marks[i] === markOf(patroniDropIn(c, m)))
}

/** Whether no member has a drop-in any more. */
export const dropInsGone = async (hosts: HostExec, c: PgCluster) => (await marksOn(hosts, c)).every((x) => x === '')

async function rootOrThrow(hosts: HostExec, host: string, argv: string[], what: string, stdin?: string): Promise<void> {
  const r = await hosts.exec(host, argv, { sudo: true, timeoutMs: TIMEOUT_MS, okExitCodes: ANY_EXIT, ...(stdin !== undefined && { stdin }) })
  if (r.exitCode !== 0) throw new AppError('command_failed', `${host}: could not ${what} (exit ${r.exitCode}): ${r.stderr.trim()}. Resume when the host answers.`, { host })
}

/** Writes every member's drop-in, then reloads systemd on each host; returns host:file written. */
export async function writeDropIns(hosts: HostExec, c: PgCluster): Promise<string[]> {
  const written = await Promise.all(
    c.members.map(async (m) => {
      const file = patroniDropInFile(c, m)
      await rootOrThrow(hosts, m.host, putArgv(file), `write ${file}`, patroniDropIn(c, m))
      return `${m.host}:${file}`
    }),
  )
  await Promise.all(hostsOf(c).map((h) => rootOrThrow(hosts, h, RELOAD, 'reload systemd (systemctl daemon-reload)')))
  return written
}

/** Removes every member's drop-in (gone already: fine), then reloads systemd on each host. */
export async function removeDropIns(hosts: HostExec, c: PgCluster): Promise<void> {
  await Promise.all(c.members.map((m) => rootOrThrow(hosts, m.host, removeArgv(patroniDropInFile(c, m)), `remove ${patroniDropInFile(c, m)}`)))
  await Promise.all(hostsOf(c).map((h) => rootOrThrow(hosts, h, RELOAD, 'reload systemd (systemctl daemon-reload)')))
}
