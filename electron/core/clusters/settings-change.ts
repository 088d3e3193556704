// A settings change on a cluster record: the record with the user's new settings (what is not
// given stays), and the record change that carries the settings of one record onto the current
// one (the record may have changed meanwhile: members, fence marks).
import type { z } from 'zod'
import type { settingsInput } from '../../../shared/clusters'
import { AppError } from '../../../shared/errors'
import type { PgCluster, PgMember } from '../../../shared/postgres'
import type { RecordChange } from './clusters-store'
import { memberNamed } from './member-named'
import type { ServiceAddress } from '../address'
import { isIPv4 } from '../../../shared/ip-address'

type SettingsInput = z.output<typeof settingsInput>

export function withSettings(c: PgCluster, i: SettingsInput): PgCluster {
  if ((i.sync !== undefined || i.priority !== undefined || i.neverPromote !== undefined) && !i.member) {
    throw new AppError('invalid_input', '--sync, --priority and --never-promote change one member: name it with --member.', { field: 'member' })
  }
  if (i.replicas !== undefined && i.desiredReplicas !== undefined && i.replicas !== i.desiredReplicas) {
    throw new AppError('invalid_input', '--replicas and --desired-replicas are the same setting: give one.', { field: 'replicas' })
  }
  const wanted = i.desiredReplicas ?? i.replicas ?? c.desiredReplicas
  const own = [...(i.memberSettings ?? []), ...(i.member ? [{ name: i.member, sync: i.sync, priority: i.priority, neverPromote: i.neverPromote }] : [])]
  for (const x of own) memberNamed(c, x.name)
  const { notifyUrl, ...rest } = c
  return {
    ...rest,
    ...(notifyUrl !== undefined && i.notifyUrl !== null && i.notifyUrl !== 'none' && { notifyUrl }),
    ...(i.notifyUrl && i.notifyUrl !== 'none' && { notifyUrl: i.notifyUrl }),
    sync: { method: i.syncMethod ?? c.sync.method, num: i.syncNum ?? c.sync.num },
    synchronousCommit: i.synchronousCommit ?? c.synchronousCommit,
    maxLagBytes: i.maxLagBytes ?? c.maxLagBytes,
    slotWalCap: i.slotWalCap ?? c.slotWalCap,
    maxWalSenders: i.maxWalSenders ?? c.maxWalSenders,
    maxReplicationSlots: i.maxReplicationSlots ?? c.maxReplicationSlots,
    walKeepSize: i.walKeepSize ?? c.walKeepSize,
    lostSync: { policy: i.lostSync ?? c.lostSync.policy, afterS: i.relaxAfterS ?? c.lostSync.afterS },
    ...(wanted !== undefined && { desiredReplicas: wanted }),
    members: c.members.map((m): PgMember => own.filter((x) => x.name === m.name).reduce<PgMember>((acc, x) => ({ ...acc, sync: x.sync ?? acc.sync, priority: x.priority ?? acc.priority, neverPromote: x.neverPromote ?? acc.neverPromote }), m)),
  }
}

/** Carries the redundancy settings of `from` onto the current record. */
export function settingsOf(from: PgCluster | undefined): RecordChange | null {
  if (!from) return null
  return (c) => {
    if (!c) return c
    const { notifyUrl, desiredReplicas, serviceAddress, ...rest } = c
    void [notifyUrl, desiredReplicas, serviceAddress]
    return {
      ...rest,
      ...(from.serviceAddress !== undefined && { serviceAddress: from.serviceAddress }),
      ...(from.notifyUrl !== undefined && { notifyUrl: from.notifyUrl }),
      ...(from.desiredReplicas !== undefined && { desiredReplicas: from.desiredReplicas }),
      sync: from.sync,
      synchronousCommit: from.synchronousCommit,
      maxLagBytes: from.maxLagBytes,
      slotWalCap: from.slotWalCap,
      lostSync: from.lostSync,
      walKeepSize: from.walKeepSize,
      maxWalSenders: from.maxWalSenders,
      maxReplicationSlots: from.maxReplicationSlots,
      members: c.members.map((m) => {
        const f = from.members.find((x) => x.name === m.name)
        return f ? { ...m, sync: f.sync, priority: f.priority, neverPromote: f.neverPromote } : m
      }),
    }
  }
}

/** A new service address is checked on the members before anything changes (free on the LAN, one subnet, the sudo rule). */
export async function withServiceAddress(address: Pick<ServiceAddress, 'inspect'>, c: PgCluster, wanted: string | null | undefined): Promise<PgCluster> {
  if (wanted === undefined) return c
  const { serviceAddress: old, ...rest } = c
  if (wanted === null || wanted === 'none') return rest
  const [ip, prefix] = wanted.split('/') as [string, string | undefined]
  if (old?.address === ip && (!prefix || Number(prefix) === old.prefix)) return c
  const hosts = [...new Map(c.members.map((m) => [m.host, m])).values()]
  const plan = await address.inspect({ address: ip, ...(prefix && { prefix: Number(prefix) }), members: hosts.map((m) => ({ host: m.host, ...(isIPv4(m.address) && { lanAddress: m.address }) })) })
  return { ...rest, serviceAddress: { address: ip, prefix: plan.prefix, interfaces: Object.fromEntries(plan.members.map((m) => [m.host, m.iface])) } }
}
