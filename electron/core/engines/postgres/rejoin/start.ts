// start: its own settings back (saved before the rewind or copy, else from the model), the
// follow settings and standby.signal, Debian's start.conf lifted, start; its old slots (WAL
// pinned from its time as primary) made fresh. The check reads the member on every attempt:
// done when it runs as a standby of the primary with fresh slots.
import { z } from 'zod'
import { AppError } from '../../../../../shared/errors'
import type { Step } from '../../../operations'
import type { RejoinParams } from '../rejoin'
import { confLine, parseConf } from '../conf'
import { pgError } from '../errors'
import { execTimeoutMs, START_TIMEOUT_S, startCommand } from '../instance'
import { logFile, slotName, type PgMember } from '../model'
import type { Command } from '../node'
import { followLines, freshSlotsStatements, isUp, readPosition, stopFastCommand, writable } from '../roles'
import { REJOIN_LIFT_START_CONF, REJOIN_RESTORE } from '../rejoin-scripts'
import { lit } from '../sql'
import { CONFIGURE_STANDBY } from '../scripts'
import { FOLLOW_KEYS, OWN_KEYS, PLAIN_FILES } from './files'
import { dirState, following, located, type DirState, type RejoinHandoffs, type RejoinOp } from './context'

/** Its own settings (saved before the rewind or copy, else from the model), then the follow settings. */
function settingsLines(op: RejoinOp, st: DirState, up: PgMember): string[] {
  const { c, member } = op
  const saved = st.savedAuto !== undefined ? parseConf(st.savedAuto) : new Map<string, string>()
  const own: string[] = []
  if (op.isDebian) {
    // The cluster's postgresql.conf in /etc is its own and stays: only what it had here.
    for (const k of OWN_KEYS) if (saved.has(k)) own.push(confLine(k, saved.get(k)!))
  } else {
    own.push(confLine('port', String(member.port)), confLine('cluster_name', saved.get('cluster_name') ?? member.name))
    const listen = saved.get('listen_addresses') ?? (st.savedFiles.includes('postgresql.conf') ? undefined : ['localhost', ...st.addresses].join(','))
    if (listen !== undefined) own.push(confLine('listen_addresses', listen))
  }
  return [...own, ...followLines(c, member, up)]
}

const KEYS = [...OWN_KEYS, ...FOLLOW_KEYS].join(' ')
const configureArgv = (op: RejoinOp, start: boolean) => ['sh', '-c', CONFIGURE_STANDBY, 'sh', op.member.dataDir, KEYS, ...(start ? startCommand(op.R).argv.slice(3) : [])]
const configureCommand = (op: RejoinOp): Command =>
  op.isDebian
    ? op.R.pg(configureArgv(op, false), 'its own and follow settings (over stdin), standby.signal')
    : op.R.pg(['sh', '-c', REJOIN_RESTORE, 'sh', op.member.dataDir, op.key, ...PLAIN_FILES, '--', ...configureArgv(op, true)], 'its own config files back, its own and follow settings (over stdin), standby.signal, then start')
const debianStartCommand = (op: RejoinOp): Command => op.R.pg(['sh', '-c', REJOIN_LIFT_START_CONF, 'sh', op.key, op.startConf, ...startCommand(op.R).argv.slice(3)], 'start.conf back from "disabled" (the fence marker stays), then pg_ctlcluster start')

const staleSlotsQuery = (names: string[]) =>
  `SELECT json_build_object('missing', (SELECT count(*) FROM unnest(ARRAY[${names.map(lit).join(', ') || "''"}]::text[]) s WHERE s <> '' AND NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = s)), 'stale', (SELECT count(*) FROM pg_replication_slots WHERE NOT active AND restart_lsn IS NOT NULL AND slot_name = ANY (ARRAY[${names.map(lit).join(', ') || "''"}]::text[])))`

/** Writes its settings and starts it as a standby of `up` (stopped first if it runs read-only). */
async function startAsStandby(op: RejoinOp, up: PgMember): Promise<void> {
  const { major, member, R, isDebian } = op
  const st = await dirState(op)
  if (st.running) await R.run(stopFastCommand(R), { timeoutMs: execTimeoutMs(120) })
  const stdin = settingsLines(op, st, up).join('\n') + '\n'
  const log = logFile(member, major)
  try {
    await R.run(configureCommand(op), { stdin, timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
    if (isDebian) await R.run(debianStartCommand(op), { timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
  } catch (err) {
    if (err instanceof AppError) throw pgError('cluster_state', `${member.name} did not start on ${member.host} as a standby of ${up.name}: ${err.message} See ${log} there; when it is fixed, resume the rejoin.`, { host: member.host, cause: err.message })
    throw err
  }
}

export function startStep(op: RejoinOp, h: RejoinHandoffs): Step<RejoinParams> {
  const { c, member, R, others, isDebian, at } = op
  const otherSlots = others.map((n) => slotName(n.name))
  return {
    id: 'start',
    title: `Start ${member.name} as a standby`,
    hosts: [member.host],
    plan: () => [R.planned(configureCommand(op)), ...(isDebian ? [R.planned(debianStartCommand(op))] : []), R.planned(R.psql(freshSlotsStatements(c, member), 'its old slots dropped, fresh ones that reserve no WAL'))],
    async check(ctx) {
      const [{ up }, own] = await Promise.all([located(op, h, ctx), readPosition(R)])
      if (!following(op, own, up)) return false
      const s = await R.json(staleSlotsQuery(otherSlots), z.object({ missing: z.number(), stale: z.number() }))
      return s.missing === 0 && s.stale === 0
    },
    async run(ctx, report) {
      const { up } = await located(op, h, ctx)
      const own = await readPosition(R)
      if (!following(op, own, up)) {
        if (isUp(own) && writable(own.pos)) {
          throw pgError('cluster_state', `${at} was started as a primary again after it was stopped for the rejoin: it may have taken writes of its own. Stop it, then run the rejoin again.`, { host: member.host })
        }
        await startAsStandby(op, up)
      }
      await R.sql(freshSlotsStatements(c, member))
      report({ message: `${member.name} runs as a standby of ${up.name}` })
    },
  }
}
