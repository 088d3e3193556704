// Writing the role-change callback scripts (callback.ts) on every member: part of the hand-over's
// config step, and the settings step that changes the notification URL of a handed-over cluster
// (a rewrite of each script; Patroni reads the script at each role change, nothing restarts).
import { AppError } from '../../../../../shared/errors'
import type { Step, StepCommand } from '../../../operations'
import type { HostExec } from '../../host-exec'
import type { PgCluster } from '../model'
import { callbackFile, callbackScript } from './callback'
import { markOf } from './config'
import { FIRST_LINE, PUT_ROOT_FILE } from './scripts'

const TIMEOUT_MS = 15_000
const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i)
const putArgv = (file: string) => ['sh', '-c', PUT_ROOT_FILE, 'sh', file, '644', 'root']

export const callbackPlan = (c: PgCluster): StepCommand[] =>
  c.members.map((m) => ({ host: m.host, argv: putArgv(callbackFile(c, m)), runAs: 'root', note: `${callbackFile(c, m)} (0644 root) over stdin, run by Patroni at each role change:\n${callbackScript(c, m)}` }))

/** Whether every member's script is the one this record makes. */
export async function callbacksWritten(hosts: HostExec, c: PgCluster): Promise<boolean> {
  const marks = await Promise.all(c.members.map(async (m) => (await hosts.exec(m.host, ['sh', '-c', FIRST_LINE, 'sh', callbackFile(c, m)], { timeoutMs: TIMEOUT_MS, okExitCodes: ANY_EXIT })).stdout.trim()))
  return c.members.every((m, i) => marks[i] === markOf(callbackScript(c, m)))
}

export async function writeCallbacks(hosts: HostExec, c: PgCluster): Promise<string[]> {
  return Promise.all(
    c.members.map(async (m) => {
      const file = callbackFile(c, m)
      const r = await hosts.exec(m.host, putArgv(file), { sudo: true, timeoutMs: TIMEOUT_MS, okExitCodes: ANY_EXIT, stdin: callbackScript(c, m) })
      if (r.exitCode !== 0) throw new AppError('command_failed', `${m.host}: could not write ${file} (exit ${r.exitCode}): ${r.stderr.trim()}. Nothing else was changed there; resume when the host answers.`, { host: m.host })
      return `${m.host}:${file}`
    }),
  )
}

/** The settings step: every member's callback script rewritten for the record's notification URL. */
export function notifyStep<P>(hosts: HostExec, c: PgCluster): Step<P> {
  return {
    id: 'notify',
    title: c.notifyUrl ? `Role-change alerts to ${c.notifyUrl}: Patroni's callback script rewritten on every member (no restart)` : "No more role-change alerts: Patroni's callback script on every member sends nothing (no restart)",
    hosts: [...new Set(c.members.map((m) => m.host))],
    plan: () => callbackPlan(c),
    check: () => callbacksWritten(hosts, c),
    async run(_ctx, report) {
      report({ message: `written: ${(await writeCallbacks(hosts, c)).join(', ')}` })
    },
  }
}
