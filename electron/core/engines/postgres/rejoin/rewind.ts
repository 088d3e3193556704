// rewind: pg_rewind from the primary, standby.signal lifted for the run (put back if it fails),
// with byte progress. The check reads the member on every attempt: done when this operation's
// rewind finished, or when it is joined already (see stop).
import type { Report, Step } from '../../../operations'
import type { RejoinParams } from '../rejoin'
import { conninfo } from '../conf'
import { pgError } from '../errors'
import type { PgMember } from '../model'
import type { Command } from '../node'
import { REJOIN_REWIND, REJOIN_REWIND_UNTOUCHED } from '../rejoin-scripts'
import { located, plannedPrimary, readJoined, type RejoinHandoffs, type RejoinOp } from './context'

/** pg_rewind's and pg_basebackup's stderr, line by line (progress lines end in \r or \n). */
class Lines {
  private buffer = ''
  readonly all: string[] = []
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: Buffer | string): void {
    this.buffer += chunk.toString()
    const parts = this.buffer.split(/[\r\n]/)
    this.buffer = parts.pop() ?? ''
    for (const raw of parts) {
      const line = raw.trim()
      if (!line) continue
      if (this.all.length < 500) this.all.push(line)
      this.onLine(line)
    }
  }
  end(): void {
    if (this.buffer.trim()) this.push('\n')
  }
}

const PROGRESS = /(\d+)\/(\d+) kB \((\d+)%\)/

/** Why pg_rewind failed, in terms of what the user can do; `rebuild`: only a fresh copy helps. */
export function explainRewindFailure(text: string): { rebuild: boolean; reason: string } {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean)
  const errLine = [...lines].reverse().find((l) => /error|fatal/i.test(l) && !/^pg_rewind: (?:error|fatal): +$/.test(l)) ?? lines.at(-1) ?? 'no output'
  const reason = errLine.replace(/^pg_rewind: (?:error|fatal): /, '')
  if (/no pg_hba\.conf entry|password authentication failed|no password supplied|could not connect|Connection refused|timeout expired|permission denied for function|must be superuser/i.test(text)) return { rebuild: false, reason }
  return { rebuild: true, reason }
}

const rewindArgv = (op: RejoinOp, up: PgMember) => [
  op.R.tool('pg_rewind'),
  '-D',
  op.member.dataDir,
  `--source-server=${conninfo({ host: up.address, port: up.port, user: op.role, dbname: 'postgres', connect_timeout: 10 })}`,
  '--progress',
  // A crashed target gets its crash recovery from pg_rewind, which starts postgres
  // single-user: a Debian cluster's postgresql.conf is not in its data dir.
  ...(op.confDir && Number(op.major) >= 15 ? [`--config-file=${op.confDir}/postgresql.conf`] : []),
]
const rewindCommand = (op: RejoinOp, opId: string, up: PgMember): Command => op.R.pg(['sh', '-c', REJOIN_REWIND, 'sh', op.member.dataDir, op.key, opId, ...rewindArgv(op, up)], 'standby.signal lifted for the run (put back if it fails)')

/** Runs pg_rewind with progress; returns its exit code and everything it said. */
async function runRewind(op: RejoinOp, opId: string, up: PgMember, report: Report): Promise<{ exitCode: number | null; stderr: string; text: string }> {
  let last = Date.now()
  const lines = new Lines((line) => {
    const m = PROGRESS.exec(line)
    if (m) {
      const done = Number(m[1]) * 1024
      report({ bytesDone: done, bytesTotal: Math.max(done, Number(m[2]) * 1024), message: `pg_rewind: copying from ${up.name}` })
    } else if (line.startsWith('pg_rewind: ')) report({ message: line })
    last = Date.now()
  })
  const heartbeat = setInterval(() => {
    if (Date.now() - last >= 800) report({ message: lines.all.at(-1) ?? `pg_rewind from ${up.name}` })
  }, 400)
  let r
  try {
    r = await op.R.run(rewindCommand(op, opId, up), { timeoutMs: op.p.copyTimeoutMs, okExitCodes: [0, 1, 2, 3], onOutput: (stream, chunk) => stream === 'stderr' && lines.push(chunk) })
  } finally {
    clearInterval(heartbeat)
    lines.end()
  }
  return { exitCode: r.exitCode, stderr: r.stderr, text: [...lines.all, r.stdout].join('\n') }
}

export function rewindStep(op: RejoinOp, h: RejoinHandoffs): Step<RejoinParams> {
  const { member, R, key, at, rebuildHint } = op
  return {
    id: 'rewind',
    title: `Rewind ${member.name} to the primary's timeline (pg_rewind)`,
    hosts: [member.host],
    weight: 5,
    plan: (ctx) => [R.planned(rewindCommand(op, ctx.operationId ?? 'OPERATION', plannedPrimary(op)))],
    async check(ctx) {
      const { st, joined } = await readJoined(op, (await located(op, h, ctx)).up)
      return joined || st.done === ctx.operationId
    },
    async run(ctx, report) {
      const { up } = await located(op, h, ctx)
      const r = await runRewind(op, ctx.operationId, up, report)
      const text = r.text
      if (r.exitCode === 3) throw pgError('cluster_state', `${at} runs again: ReplicaDesk rewinds only a stopped server. Stop it, then resume the rejoin.`, { host: member.host })
      if (r.exitCode === 4) throw pgError('cluster_state', `A pg_rewind started earlier on ${member.host} still runs on ${member.dataDir} (its ReplicaDesk died). Wait until it ends, then resume the rejoin.`, { host: member.host })
      if (r.exitCode !== 0) {
        const output = r.stderr || text
        // pg_rewind changes the target only once it knows what to copy.
        const touched = /need to copy|creating backup label/.test(output)
        if (!touched) await R.run(R.pg(['sh', '-c', REJOIN_REWIND_UNTOUCHED, 'sh', key]))
        const why = touched ? { rebuild: true, reason: `${explainRewindFailure(output).reason} (after it had begun to change the data dir)` } : explainRewindFailure(output)
        if (!why.rebuild) {
          throw pgError('cluster_state', `pg_rewind on ${member.host} could not read from the primary ${up.name} at ${up.address}:${up.port}: ${why.reason}. Resume the rejoin (it refreshes pg_hba.conf, ~/.pgpass and the grants), and check the network between them.`, { host: member.host, cause: why.reason })
        }
        throw pgError('cluster_state', `pg_rewind cannot bring ${at} back onto ${up.name}'s timeline: ${why.reason}. Its data dir must be copied afresh from ${up.name}: run "${rebuildHint}" (everything in ${member.dataDir} is replaced). ${member.name} stays stopped and fenced until then.`, { host: member.host, rebuild: true, cause: why.reason })
      }
      const diverged = /servers diverged at WAL location (\S+) on timeline (\d+)/.exec(text)
      const copy = /need to copy (\d+) MB/.exec(text)
      if (/no rewind required/.test(text)) report({ message: `pg_rewind: no rewind required (${member.name} had not gone past ${up.name}'s timeline switch)` })
      else report({ message: `pg_rewind rewound ${member.name}${diverged ? `: it diverged from ${up.name} at ${diverged[1]} on timeline ${diverged[2]}` : ''}${copy ? `; ${copy[1]} MB copied` : ''}` })
    },
  }
}
