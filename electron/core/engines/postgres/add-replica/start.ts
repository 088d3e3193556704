// start: standby.signal + its own settings (primary_conninfo with application_name, slot,
// listen_addresses, port), then pg_ctl / pg_ctlcluster start. The check reads the new member
// on every attempt (is it running, in recovery, from this data dir). The host's addresses come
// from pre-flight's probe of this attempt (they are the host's, not the server's state).
import { z } from 'zod'
import { AppError } from '../../../../../shared/errors'
import type { Step } from '../../../operations'
import type { AddReplicaParams } from '../add-replica'
import { readState } from '../access'
import { confLine, conninfo } from '../conf'
import { pgError } from '../errors'
import { HOT_STANDBY_LIMITS } from '../facts'
import { execTimeoutMs, isRunning, START_TIMEOUT_S, startCommand, stopCommand } from '../instance'
import type { Command } from '../node'
import { CONFIGURE_STANDBY } from '../scripts'
import { syncNames } from '../sync'
import { located, type AddReplicaHandoffs, type AddReplicaOp, type Up } from './context'

/** Per-member keys a standby must not inherit from its source's postgresql.auto.conf. */
const OWN_KEYS = ['port', 'listen_addresses', 'cluster_name', 'primary_conninfo', 'primary_slot_name', 'synchronous_standby_names']

/** Its own settings, as postgresql.auto.conf lines. */
function standbyLines(op: AddReplicaOp, up: Up, addresses: readonly string[]): string[] {
  const { c, member, role, slot } = op
  const listen = ['localhost', ...addresses].join(',')
  const lines = [
    confLine('listen_addresses', listen),
    confLine('primary_conninfo', conninfo({ host: up.member.address, port: up.member.port, user: role, application_name: member.name })),
    confLine('primary_slot_name', slot),
    confLine('synchronous_standby_names', syncNames(c, member.name)),
  ]
  if (member.layout === 'plain') lines.unshift(confLine('port', String(member.port)), confLine('cluster_name', member.name))
  else for (const k of HOT_STANDBY_LIMITS) lines.push(confLine(k, up.facts.hotStandbyLimits[k] ?? ''))
  return lines.filter((l) => !l.endsWith("''") || l.startsWith('synchronous'))
}

const ownKeys = (op: AddReplicaOp) => [...OWN_KEYS, ...(op.member.layout === 'debian' ? HOT_STANDBY_LIMITS : [])].join(' ')
const configureCommand = (op: AddReplicaOp): Command => op.R.pg(['sh', '-c', CONFIGURE_STANDBY, 'sh', op.member.dataDir, ownKeys(op), ...startCommand(op.R).argv.slice(3)], 'its own settings (over stdin) and standby.signal, then start')

const standbyState = (op: AddReplicaOp) => op.R.json(`SELECT json_build_object('inRecovery', pg_is_in_recovery(), 'dataDir', current_setting('data_directory'))`, z.object({ inRecovery: z.boolean(), dataDir: z.string() }))

export function startStep(op: AddReplicaOp, h: AddReplicaHandoffs): Step<AddReplicaParams> {
  const { major, member, R } = op
  return {
    id: 'start',
    title: `Start ${member.name} as a standby`,
    hosts: [member.host],
    plan: () => [R.planned(configureCommand(op))],
    async check() {
      const s = await standbyState(op).catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'command_failed') return undefined // not running
        throw err
      })
      return s !== undefined && s.inRecovery && s.dataDir === member.dataDir
    },
    async run(ctx, report) {
      const { up } = await located(op, h.located, ctx)
      const addresses = h.preflighted.get(ctx)?.probe.addresses ?? (await readState(R, undefined)).addresses
      const lines = standbyLines(op, up, addresses)
      try {
        await R.run(configureCommand(op), { stdin: lines.join('\n') + '\n', timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
      } catch (err) {
        if (err instanceof AppError) {
          throw pgError('cluster_state', `${member.name} did not start on ${member.host}: ${err.message} See ${member.layout === 'debian' ? `/var/log/postgresql/postgresql-${major}-${member.debianName}.log` : 'its log file'} there.`, { host: member.host, cause: err.message })
        }
        throw err
      }
      report({ message: `${member.name} started` })
    },
    async undo(ctx) {
      const own = await readState(R, undefined, true)
      if (own.claim?.operation === ctx.operationId && (await isRunning(R))) await R.run(stopCommand(R), { timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
    },
  }
}
