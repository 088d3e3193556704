// Fencing one member by hand (the way out of a split brain): it stops, and may come back only
// as a standby, through rejoin. Where another member accepts writes, the fenced one's follow
// settings point at it.
import { z } from 'zod'
import type { Step } from '../../operations'
import type { HostExec } from '../host-exec'
import { isRunning } from './instance'
import { memberName, memberOf, pgCluster, refineMembers, type PgMember } from './model'
import { PgNode } from './node'
import { releaseAddressStep, writableHost } from './service-address'
import { fence, isFenced, isUp, readPosition, stopAndFenceCommand, writable } from './roles'

export const fenceParams = z
  .object({ cluster: pgCluster, member: memberName })
  .superRefine((p, ctx) => refineMembers(ctx, p.cluster, { member: p.member }))
export type FenceParams = z.output<typeof fenceParams>

export function buildFence(hosts: HostExec, p: FenceParams): Step<FenceParams>[] {
  const c = p.cluster
  const node = (m: PgMember) => new PgNode(hosts, m, c.major)
  const M = node(memberOf(c, p.member))
  const step: Step<FenceParams> = {
    id: 'fence',
    title: `Stop ${p.member} and fence it`,
    hosts: [M.host],
    // The follow settings are written only when exactly one other member accepts writes.
    plan: () => [M.planned(stopAndFenceCommand(M, true, 'fenced by hand'))],
    check: async () => !(await isRunning(M)) && (await isFenced(M)),
    async run(ctx, report) {
      const seen = await Promise.all(c.members.filter((m) => m.name !== p.member).map((m) => readPosition(node(m))))
      const writers = seen.filter((s) => isUp(s) && writable(s.pos))
      const upstream = writers.length === 1 ? writers[0]!.member : undefined
      const s = await fence(c, M, upstream, `fenced by hand (operation ${ctx.operationId})`)
      report({ message: `${p.member} stopped (${s.state}) and fenced${upstream ? `; set to follow ${upstream.name} after a rejoin` : ''}` })
    },
  }
  // A fenced member never keeps the service address (unless the primary runs on the same host).
  return [step, ...releaseAddressStep<FenceParams>(hosts, c, M, () => writableHost(hosts, c, p.member))]
}
