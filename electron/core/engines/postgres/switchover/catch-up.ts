// catch-up: `to` has replayed `from`'s shutdown checkpoint: it has every write. Writes are
// stopped, so the check adds no round trip when it can judge: the checkpoint the stop printed
// and pre-flight's read of `to` (both of this attempt; a replay position read before the stop
// is never past the checkpoint, so the run waits, and returns at once if `to` is there). Else
// (a resume) it reads whether `to` is promoted or has replayed the checkpoint of the control file.
import { z } from 'zod'
import type { Step } from '../../../operations'
import type { SwitchoverParams } from '../switchover'
import { pgError } from '../errors'
import type { Attempt } from '../../handoff'
import { promotedNow } from '../role-steps'
import { ahead, controlCommand, isUp, readControl } from '../roles'
import { lit } from '../sql'
import { seenOf, type SwitchoverHandoffs, type SwitchoverOp } from './context'

const replayedQuery = (lsn: string) => `SELECT json_build_object('done', NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() > ${lit(lsn)}::pg_lsn)`
const waitReplaySql = (op: SwitchoverOp, lsn: string) => `DO $rd$
DECLARE deadline timestamptz := clock_timestamp() + ${lit(`${op.p.catchUpTimeoutS} s`)}::interval;
BEGIN
  WHILE pg_is_in_recovery() AND coalesce(pg_last_wal_replay_lsn() <= ${lit(lsn)}::pg_lsn, true) LOOP
    IF clock_timestamp() > deadline THEN RAISE EXCEPTION 'replicadesk: not caught up'; END IF;
    PERFORM pg_sleep(0.002);
  END LOOP;
END $rd$`

/** The old primary's last checkpoint: as its stop printed it this attempt, else from its control file (only a clean stop promises that the standby can have everything). */
async function checkpointOf(op: SwitchoverOp, h: SwitchoverHandoffs, a: Attempt): Promise<string> {
  const { p, F } = op
  const printed = h.checkpoint.get(a)
  if (printed) return printed
  const s = await readControl(F)
  if (s.state !== 'shut down') throw pgError('cluster_state', `${p.from} on ${F.host} did not stop cleanly (its control file says "${s.state}"): a switchover cannot promise that ${p.to} has every write. Start ${p.from} again and abandon, or use failover, which states the data at risk.`, { host: F.host })
  return s.checkpoint
}

export function catchUpStep(op: SwitchoverOp, h: SwitchoverHandoffs): Step<SwitchoverParams> {
  const { p, F, T } = op
  return {
    id: 'catch-up',
    title: `Wait until ${p.to} has replayed ${p.from}'s last checkpoint`,
    hosts: [T.host],
    plan: () => [F.planned(controlCommand(F)), T.planned(T.psql([waitReplaySql(op, 'CHECKPOINT')], 'polls pg_last_wal_replay_lsn every 2 ms'))],
    async check(ctx) {
      const judged = h.judged.get(ctx)
      const printed = h.checkpoint.get(ctx)
      if (judged && printed) {
        const t = seenOf(judged, T)
        return (await promotedNow(T, judged)) || (!!t && isUp(t) && (ahead(t.pos.replayLsn, printed) ?? 0) > 0)
      }
      if (await promotedNow(T)) return true
      return (await T.json(replayedQuery(await checkpointOf(op, h, ctx)), z.object({ done: z.boolean() }))).done
    },
    async run(ctx, report) {
      const lsn = await checkpointOf(op, h, ctx)
      await T.sql([waitReplaySql(op, lsn)], { timeoutMs: (p.catchUpTimeoutS + 30) * 1000 }).catch((err: unknown) => {
        if (err instanceof Error && /not caught up/.test(err.message)) {
          throw pgError('cluster_state', `${p.to} did not replay ${p.from}'s last checkpoint (${lsn}) within ${p.catchUpTimeoutS} s. Nothing was promoted: abandon to start ${p.from} again, or look at ${p.to}'s log on ${T.host} and resume.`, { host: T.host })
        }
        throw err
      })
      report({ message: `${p.to} has every write of ${p.from} (past ${lsn})` })
    },
  }
}
