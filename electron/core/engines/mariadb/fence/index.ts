// Fencing one member by hand (kind mariadb-fence: the way out of a split brain), and the fence
// watcher's fenceNow: a member fenced while out of reach, seen again. A fenced member is stopped
// and stays stopped (fence/scripts.ts); it comes back only through rejoin, as a replica.
import { z } from 'zod'
import type { Step } from '../../../operations'
import type { HostExec } from '../../host-exec'
import { isRunning } from '../instance'
import { mariaCluster, memberOf, optionFile, refineMembers, who } from '../model'
import { MariaNode } from '../node'
import { isUp, readRole, writable } from '../roles'
import { fence, fenceCommand, fenceFiles, isFenced } from './fence'

export { fence, fenceCommand, fenceFiles, isFenced, unfence, unfenceCommand } from './fence'
export { fenceMarker } from './scripts'

export const fenceParams = z.object({ cluster: mariaCluster, member: z.string() }).superRefine((p, ctx) => refineMembers(ctx, p.cluster, { member: p.member }))
export type MariaFenceParams = z.output<typeof fenceParams>

export function buildFence(hosts: HostExec, p: MariaFenceParams): Step<MariaFenceParams>[] {
  const M = new MariaNode(hosts, memberOf(p.cluster, p.member))
  return [
    {
      id: 'fence',
      title: `Stop ${p.member} and fence it`,
      hosts: [M.host],
      plan: () => [M.planned(fenceCommand(M, 'fenced by hand', true))],
      check: async () => !(await isRunning(M)) && (await isFenced(M)),
      async run(ctx, report) {
        const how = await fence(M, `fenced by hand (operation ${ctx.operationId})`)
        report({ message: `${p.member} ${how === 'stopped' ? 'stopped' : 'was not running'} and fenced` })
      },
    },
  ]
}

export function fenceSummary(p: MariaFenceParams): string[] {
  const m = memberOf(p.cluster, p.member)
  return [
    `${who(m)} is stopped and fenced: ReplicaDesk never starts it again until it rejoins (a fence marker, read_only = ON in ${optionFile(m)}${m.layout === 'debian' ? ', the mariadb unit disabled so a reboot does not start it' : ''}).`,
    `If ${m.name} accepts writes now, they stop there: clients still connected to it get errors and must use the other primary.`,
    `Nothing is copied or deleted. Transactions only ${m.name} has (a split brain) are listed when it rejoins, and it is rebuilt from a fresh copy if it has any.`,
  ]
}

/**
 * A fenced member seen again, outside any operation: read afresh, then stopped and fenced if it
 * accepts writes, the fence files written if it is stopped, left alone if it runs read-only (a
 * replica) or cannot be read. MariaDB keeps its replication settings in the datadir, so a
 * stopped member cannot be pointed at `upstream` now: its read_only = ON keeps it harmless
 * until the rejoin does that.
 */
export async function fenceNow(hosts: HostExec, cluster: z.input<typeof mariaCluster>, member: string, reason: string): Promise<'fenced' | 'files' | 'left'> {
  const c = mariaCluster.parse(cluster)
  const n = new MariaNode(hosts, memberOf(c, member))
  const now = await readRole(n)
  if (isUp(now) && writable(now)) {
    await fence(n, reason)
    return 'fenced'
  }
  if (isUp(now) || (await isRunning(n))) return 'left'
  await fenceFiles(n, reason)
  return 'files'
}
