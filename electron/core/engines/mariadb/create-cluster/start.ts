// start (init): the new primary starts (Debian: through its unit, enabled so it starts at
// boot; plain: mariadbd detached as mysql) and answers on its socket. The check reads it on
// every attempt: done when its server answers from its datadir and follows no one.
import type { Step } from '../../../operations'
import type { CreateClusterParams } from '../create-cluster'
import { readFacts } from '../facts'
import { enableCommands, isRunning, startCommands, startMember, stopMember } from '../instance'
import { DEBIAN_UNIT } from '../model'
import { readInitState } from './claim'
import type { CreateClusterOp } from './context'

export function startStep(op: CreateClusterOp): Step<CreateClusterParams> {
  const { m, P } = op
  const primaryRunning = async () => {
    const f = await readFacts(P).catch(() => undefined)
    return f !== undefined && f.dataDir === m.dataDir.replace(/\/+$/, '') && f.follows.length === 0
  }
  return {
    id: 'start',
    title: `Start ${m.name}`,
    hosts: [m.host],
    plan: () => [...startCommands(P), ...enableCommands(P)].map((x) => P.planned(x)),
    check: primaryRunning,
    async run() {
      await startMember(P)
      for (const c of enableCommands(P)) await P.run(c)
    },
    async undo(ctx) {
      const own = await readInitState(op)
      if (own.claim?.operation !== ctx.operationId) return
      if (await isRunning(P)) await stopMember(P)
      // Its datadir goes with the abandon: the unit must not start on it at boot.
      if (op.isDebian) await P.run(P.root(['systemctl', 'disable', DEBIAN_UNIT]))
    },
  }
}
