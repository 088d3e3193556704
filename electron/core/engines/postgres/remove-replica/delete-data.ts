// delete-data (only when confirmed): the member's data dir (Debian: pg_dropcluster), behind the
// data-dir guard, as root where possible (the data dir's parent is often root's, e.g. /srv).
// The check reads the host on every attempt: done when nothing of it is left.
import { AppError } from '../../../../../shared/errors'
import type { Step } from '../../../operations'
import type { RemoveReplicaParams } from '../remove-replica'
import { claimKey } from '../claims'
import { explainGuardFailure, GUARD_FN, GUARDED_EXEC } from '../data-dir-guard'
import { pgError } from '../errors'
import { isRunning } from '../instance'
import { debianConfDir } from '../model'
import type { Command } from '../node'
import type { RemoveReplicaOp } from './context'

/** The data dir and its claim go, after the data-dir guard (exit 4: refused). Args: DATADIR KEY PROTECTED. */
export const DELETE = String.raw`set -eu
d=$1 key=$2 prot=$3
${GUARD_FN}
if [ -e "$d" ] || [ -L "$d" ]; then rd_guard step "$d" - any "$prot" >&2 || exit $?; fi
rm -f -- "$HOME/.replicadesk/claims/$key"
[ -e "$d" ] || exit 0
rm -rf --one-file-system -- "$d" 2>/dev/null || find "$d" -xdev -mindepth 1 -delete`

const deleteCommand = (op: RemoveReplicaOp): Command => {
  const { major, member, R, prot } = op
  const argv = member.layout === 'debian' ? ['sh', '-c', GUARDED_EXEC, 'sh', member.dataDir, prot, 'pg_dropcluster', major, member.debianName] : ['sh', '-c', DELETE, 'sh', member.dataDir, claimKey(member.dataDir), prot]
  return member.access === 'sudo' ? R.root(argv) : R.pg(argv)
}

export function deleteDataStep(op: RemoveReplicaOp): Step<RemoveReplicaParams> {
  const { major, member, R, prot } = op
  return {
    id: 'delete-data',
    title: `Delete ${member.dataDir} on ${member.host}`,
    hosts: [member.host],
    plan: () => [R.planned(deleteCommand(op))],
    async check() {
      const r = await R.run(R.pg(['sh', '-c', 'for p; do [ -e "$p" ] && echo "$p"; done; exit 0', 'sh', member.dataDir, ...(member.layout === 'debian' ? [debianConfDir(member, major)] : [])]))
      return r.stdout.trim() === ''
    },
    async run() {
      if (await isRunning(R)) throw pgError('cluster_state', `${member.name} on ${member.host} runs again; ReplicaDesk will not delete the data dir of a running server.`, { host: member.host })
      try {
        await R.run(deleteCommand(op), { timeoutMs: 600_000 })
      } catch (err) {
        const refused = explainGuardFailure(err, member.host, member.dataDir, 'delete', true)
        if (refused !== err) throw refused
        if (err instanceof AppError && member.layout === 'debian') {
          // pg_dropcluster wants both halves; remove what is left of a half-removed one.
          await R.run(R.pg(['sh', '-c', DELETE, 'sh', member.dataDir, claimKey(member.dataDir), prot])).catch((e: unknown) => {
            throw explainGuardFailure(e, member.host, member.dataDir, 'delete', true)
          })
          await R.run(R.pg(['rm', '-rf', '--', debianConfDir(member, major)]))
          return
        }
        throw err
      }
      await R.run(R.pg(['sh', '-c', 'rm -f -- "$HOME/.replicadesk/claims/$1"', 'sh', claimKey(member.dataDir)]))
    },
  }
}
