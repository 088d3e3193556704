// delete-data (only when the user confirmed): the member's datadir, behind the data-dir guard
// run on the server right before (never a running server's, never above, at or below another
// member's), as root (a datadir's parent is often root's). Debian's /var/lib/mysql is emptied,
// not removed (the package owns the directory). The check reads the host on every attempt.
import type { Step } from '../../../operations'
import { explainGuardFailure, GUARD_FN } from '../add-replica/data-dir-guard'
import { mariaError } from '../errors'
import { isRunning } from '../instance'
import { DEBIAN_DATADIR, who } from '../model'
import type { RemoveReplicaOp } from './context'
import type { RemoveReplicaParams } from './params'

/** As root: the guard (exit 4: refused), then the datadir removed (KEEP=yes: emptied). Args: DATADIR PROTECTED KEEP. */
export const DELETE = String.raw`set -eu
d=$1 prot=$2 keep=$3
${GUARD_FN}
[ -e "$d" ] || [ -L "$d" ] || exit 0
rd_guard step "$d" any "$prot" >&2 || exit $?
if [ "$keep" = yes ]; then find "$d" -xdev -mindepth 1 -delete; else rm -rf --one-file-system -- "$d"; fi`

/** As root: prints "left" when DATADIR exists and is not empty (KEEP=yes) or exists at all. Args: DATADIR KEEP. */
const LEFT = String.raw`d=$1
if [ "$2" = yes ]; then [ -n "$(find "$d" -mindepth 1 -maxdepth 1 -print -quit 2>/dev/null)" ] && echo left
else [ -e "$d" ] && echo left; fi
exit 0`

export function deleteDataStep(op: RemoveReplicaOp): Step<RemoveReplicaParams> {
  const { member, R, prot } = op
  const keep = member.dataDir.replace(/\/+$/, '') === DEBIAN_DATADIR ? 'yes' : 'no'
  const command = R.root(['sh', '-c', DELETE, 'sh', member.dataDir, prot, keep], 'the data-dir guard, then the datadir goes')
  return {
    id: 'delete-data',
    title: `Delete ${member.dataDir} on ${member.host}`,
    hosts: [member.host],
    plan: () => [R.planned(command)],
    check: async () => (await R.run(R.root(['sh', '-c', LEFT, 'sh', member.dataDir, keep]))).stdout.trim() === '',
    async run() {
      if (await isRunning(R)) throw mariaError('cluster_state', `${who(member)} runs again; ReplicaDesk will not delete the datadir of a running server.`, { host: member.host })
      await R.run(command, { timeoutMs: 600_000 }).catch((err: unknown) => {
        throw explainGuardFailure(err, member.host, member.dataDir, 'delete', true)
      })
    },
  }
}
