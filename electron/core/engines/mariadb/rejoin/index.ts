// Rejoin (kind mariadb-rejoin): a former primary or stale member follows the current primary
// again. The primary is located on the servers in every step that needs it.
//   follow   preflight   the member's GTIDs must all be the primary's (strict-mode sense,
//                        errant.ts); else it refuses with the errant GTIDs and says to rebuild
//            follow      a stopped member started read-only; read_only = ON; judged again;
//                        CHANGE MASTER … MASTER_USE_GTID = slave_pos (follow.ts says why)
//            caught-up   add-replica's: both threads run and it executed the primary's position
//            unfence     a fenced member's marker removed, only now that it follows
//   rebuild  (rebuild: true, the user confirmed twice) preflight (the data-dir guard on the
//            server, tools, reach) → stop → add-replica's prepare (claim, behind the guard
//            again), copy, prepare-backup → unfence → add-replica's start (read_only = ON),
//            replicate (gtid_slave_pos from the copy), caught-up
import { defineOperationKind, type Step } from '../../../operations'
import type { HostExec, HostPipe } from '../../host-exec'
import { caughtUpStep } from '../add-replica/caught-up'
import { copyStep } from '../add-replica/copy-step'
import { prepareBackupStep } from '../add-replica/prepare-backup'
import { prepareStep } from '../add-replica/prepare'
import { replicateStep } from '../add-replica/replicate'
import { startStep } from '../add-replica/start'
import { KIND_MARIADB_REJOIN } from '../kinds'
import { memberOf } from '../model'
import { asRejoinStep, rejoinOp } from './context'
import { followStep, unfenceStep } from './follow'
import { rejoinParams, type RejoinParams } from './params'
import { preflightStep } from './preflight'
import { stopStep } from './stop'
import { rejoinSummary } from './summary'

export { rejoinParams, type RejoinInput, type RejoinParams } from './params'
export { rejoinSummary } from './summary'
export { errantGtids, formatErrant, type ErrantRange } from './errant'

export function buildRejoin(hosts: HostExec & HostPipe, p: RejoinParams): Step<RejoinParams>[] {
  const op = rejoinOp(hosts, p)
  const ar = (s: Parameters<typeof asRejoinStep>[1]) => asRejoinStep(op, s)
  if (!p.rebuild) return [preflightStep(op), followStep(op), ar(caughtUpStep(op.ar)), unfenceStep(op, 'follows')]
  const a = op.ar
  return [preflightStep(op), stopStep(op), ar(prepareStep(a)), ar(copyStep(a)), ar(prepareBackupStep(a)), unfenceStep(op, 'copied'), ar(startStep(a)), ar(replicateStep(a)), ar(caughtUpStep(a))]
}

export function rejoinKind(hosts: HostExec & HostPipe) {
  return defineOperationKind({
    kind: KIND_MARIADB_REJOIN,
    params: rejoinParams,
    build: ({ params }) => {
      const m = memberOf(params.cluster, params.member)
      return {
        member: m.name,
        title: params.rebuild ? `Rebuild ${m.name} on ${m.host} from the primary of ${params.cluster.id}` : `Rejoin ${m.name} on ${m.host} to cluster ${params.cluster.id}`,
        steps: buildRejoin(hosts, params),
        summary: () => rejoinSummary(params),
      }
    },
  })
}
