// stop: `from` stops fast (its last WAL goes to the connected standbys) — writes stop here.
// The check judges pre-flight's read of this attempt when there is one (`from` answered as
// the primary: not stopped, nothing promoted), so nothing is asked between the pre-flight and
// the stop; else (a resume) it reads whether `from` runs and `to` is promoted. The last
// checkpoint the stop printed is handed along to catch-up.
import type { Step } from '../../../operations'
import type { SwitchoverParams } from '../switchover'
import { pgError } from '../errors'
import { isRunning, startCommand } from '../instance'
import { promotedNow } from '../role-steps'
import { isUp, stopFast, stopFastCommand } from '../roles'
import { seenOf, type SwitchoverHandoffs, type SwitchoverOp } from './context'

export function stopStep(op: SwitchoverOp, h: SwitchoverHandoffs): Step<SwitchoverParams> {
  const { p, F, T } = op
  return {
    id: 'stop',
    title: `Stop ${p.from} (fast: its last WAL goes to the standbys)`,
    hosts: [F.host],
    plan: () => [F.planned(stopFastCommand(F))],
    async check(ctx) {
      const judged = h.judged.get(ctx)
      if (judged) {
        const f = seenOf(judged, F)
        return !(f && isUp(f)) || (await promotedNow(T, judged))
      }
      return !(await isRunning(F)) || (await promotedNow(T))
    },
    async run(ctx, report) {
      const s = await stopFast(F)
      if (s.state !== 'shut down') throw pgError('cluster_state', `${p.from} on ${F.host} did not shut down cleanly ("${s.state}"). Nothing was promoted: start it again and abandon, or use failover.`, { host: F.host })
      h.checkpoint.put(ctx, s.checkpoint)
      report({ message: `${p.from} stopped (${s.state}); last checkpoint ${s.checkpoint}` })
    },
    // Before the promotion only: the old primary simply starts again.
    async undo() {
      if (await promotedNow(T)) return
      if (!(await isRunning(F))) await F.run(startCommand(F), { timeoutMs: 330_000 })
    },
  }
}
