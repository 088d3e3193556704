// The human form of replies whose raw shape reads badly in a terminal: operation lists (no JSON
// params per row), the activity log (a command line, not an argv array), a host test (a short
// report). `--json` keeps the machine format for all of them.
import { z } from 'zod'
import { healthVerdict } from '../../shared/health'
import { formatHealth } from './health-format'
import { operationSummary, type OperationSummary } from '../../shared/operations'
import { activityEntry, type ActivityEntry } from '../../shared/ssh'
import { hostTestReport, type HostTestReport } from '../../shared/prepare'
import { formatTable, terminalWidth } from './format'
import { formatPrepare, formatPrepareReply } from './prepare-format'

const forgetReply = z.object({ forgotten: z.string(), cleanable: z.array(z.string()) })

function formatForget(f: z.infer<typeof forgetReply>, hint: (words: string[]) => string): string {
  const lines = [`Forgot cluster ${f.forgotten}: its record only; nothing changed on the servers (PostgreSQL keeps running there).`]
  if (f.cleanable.length) lines.push(`No other cluster uses ${f.cleanable.join(', ')} now. What ReplicaDesk put there (fence markers, leases, its passfile lines, sudo rules it wrote; never data dirs) can be listed and removed with:`, ...f.cleanable.map((h) => `  ${hint(['host', 'clean', h])}`))
  return lines.join('\n')
}

const time = (iso: string | undefined) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '')

/** The step an operation is at (or stopped at): the first not done. */
function currentStep(op: OperationSummary): string {
  const step = op.steps.find((s) => s.status !== 'done' && s.status !== 'skipped') ?? op.steps.at(-1)
  return step ? `${step.title}${step.status === 'failed' ? ' (failed)' : ''}` : ''
}

export function formatOperations(ops: OperationSummary[], width = terminalWidth()): string {
  return formatTable(
    ops.map((op) => ({ operation: op.id, cluster: op.clusterId, status: op.status, started: time(op.startedAt ?? op.createdAt), step: currentStep(op), error: op.error?.message ?? '' })),
    width,
    ['operation'],
  )
}

/** argv as a person would type it: words with spaces or quotes shown quoted. */
const commandLine = (argv: string[]) => argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')

export function formatActivity(entries: ActivityEntry[], width = terminalWidth()): string {
  return formatTable(
    entries.map((e) => ({
      at: time(e.startedAt),
      host: e.host,
      ms: Math.round(e.durationMs),
      exit: e.exitCode ?? e.errorCode ?? 'killed',
      command: `${e.sudo ? `[sudo${typeof e.sudo === 'string' ? ` -u ${e.sudo}` : ''}] ` : ''}${commandLine(e.argv)}`.replace(/\s+/g, ' ').slice(0, 400),
    })),
    width,
  )
}

export function formatHostTest(t: HostTestReport): string {
  return [
    `${t.name}: connected in ${Math.round(t.roundTripMs)} ms`,
    `  system      ${t.os?.prettyName ?? t.os?.id ?? 'unknown'}`,
    `  PostgreSQL  ${t.postgresVersions.length ? t.postgresVersions.join(', ') : 'not installed'}`,
    ...(t.mariadbVersions.length ? [`  MariaDB     ${t.mariadbVersions.join(', ')}`] : []),
    `  shell       ${t.shell}`,
    `  host key    ${t.hostKey.keyType} ${t.hostKey.fingerprint}`,
    // Not prepared yet: where the checks (sudo, sshd forwarding) and the install are.
    ...(t.postgresVersions.length ? [] : [`  prepare     \`replicadesk host prepare ${t.name}\` checks sudo and sshd forwarding; --install installs PostgreSQL`]),
    // The same checks as host prepare.
    ...(t.prepare ? ['', formatPrepare(t.prepare)] : t.prepareError ? [`  checks      could not run: ${t.prepareError.message}`] : []),
  ].join('\n')
}

/** The human form for this method's reply, or undefined to use the generic one. */
export function formatFor(method: string, value: unknown, width = terminalWidth(), hint: (words: string[]) => string = (w) => ['replicadesk', ...w].join(' ')): string | undefined {
  if (method === 'operation.list') {
    const ops = operationSummary.array().safeParse(value)
    return ops.success ? formatOperations(ops.data, width) : undefined
  }
  if (method === 'activity.list') {
    const entries = activityEntry.array().safeParse(value)
    return entries.success ? formatActivity(entries.data, width) : undefined
  }
  if (method === 'health.get') {
    const v = healthVerdict.safeParse(value)
    return v.success ? formatHealth(v.data) : undefined
  }
  if (method === 'cluster.forget') {
    const f = forgetReply.safeParse(value)
    return f.success ? formatForget(f.data, hint) : undefined
  }
  if (method === 'host.test') {
    const t = hostTestReport.safeParse(value)
    return t.success ? formatHostTest(t.data) : undefined
  }
  return formatPrepareReply(method, value)
}
