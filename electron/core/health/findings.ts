// The single points of failure of a cluster and what to do about each: engine-neutral, from
// the record (members, desired count), the live status, and facts read from the hosts
// (machine-id, virtualisation, the disk under each data dir, the failure domain the user gave).
import type { HealthFinding } from '../../../shared/health'
import type { ClusterStatus } from '../../../shared/status'
import type { SettingsDrift } from '../engines/engine'

export interface HealthMember {
  name: string
  host: string
  neverPromote: boolean
}

export interface HealthRecord {
  id: string
  members: readonly HealthMember[]
  fenced: readonly string[]
  desiredReplicas?: number
  maxLagBytes: number
  /** When the "available" policy relaxed synchronous replication, if it did. */
  relaxedSince?: string
  /** Handed to a failover manager on the servers (e.g. Patroni): it restarts and re-points members itself. */
  automatic?: { mode: string }
}

/** What was read from a host (undefined: not read yet or not answering). */
export interface HostFacts {
  machineId?: string
  /** systemd-detect-virt: "none", "kvm", "vmware"… */
  virt?: string
  /** Device of each member's data dir on this host, by member name. */
  devices?: Record<string, string>
}

export interface FindingsInput {
  record: HealthRecord
  status: ClusterStatus
  hosts: ReadonlyMap<string, HostFacts>
  domains: ReadonlyMap<string, string | undefined>
  /** The engine's words where a fix names its tools (default: PostgreSQL's). */
  advice?: { notStreaming?: string; backupTools?: string; writesSpof?: string }
  /** Bytes per second a slot's retained WAL grew lately, by slot name. */
  slotGrowth: ReadonlyMap<string, number>
  /** Bytes per second the primary's free disk space fell lately (undefined: not measured yet). */
  diskFill?: number
  /** The synchronous requirement the primary cannot meet now, when so (from the engine). */
  syncUnmet?: string
  /** Managed settings that differ on a server from the record, and restarts pending. */
  drift?: SettingsDrift
  /** The service address: who holds it (host names), who did not answer. */
  address?: { address: string; holders: string[]; unknown: string[] }
}

/** Slots are looked at this far ahead: a disk full in three days is not news yet. */
const HORIZON_S = 48 * 3600
/** PostgreSQL's default checkpoint_timeout: the longest a slot past its cap usually lives on. */
const CHECKPOINT_S = 300

const list = (names: readonly string[]) => (names.length <= 2 ? names.join(' and ') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`)

function groupBy<T>(items: readonly T[], key: (t: T) => string | undefined): T[][] {
  const groups = new Map<string, T[]>()
  for (const it of items) {
    const k = key(it)
    if (k) groups.set(k, [...(groups.get(k) ?? []), it])
  }
  return [...groups.values()].filter((g) => g.length > 1)
}

function placement(i: FindingsInput): HealthFinding[] {
  const out: HealthFinding[] = []
  const ms = i.record.members
  const machineOf = (m: HealthMember) => i.hosts.get(m.host)?.machineId ?? `host:${m.host}`
  for (const g of groupBy(ms, machineOf)) {
    const names = g.map((m) => m.name)
    const disk = groupBy(g, (m) => i.hosts.get(m.host)?.devices?.[m.name])
    const sameDisk = disk.length > 0 ? ` — ${list(disk[0]!.map((m) => m.name))} even on one disk` : ''
    const hosts = [...new Set(g.map((m) => m.host))]
    out.push({
      id: `same-machine:${names.join(',')}`,
      severity: 'critical',
      text: `${list(names)} run on one machine (${hosts.length > 1 ? `${list(hosts)} have the same /etc/machine-id` : hosts[0]})${sameDisk}: one dead box or disk takes them together.`,
      fix: hosts.length > 1 ? 'Move one to another machine (replica remove, then replica add). If these are VMs cloned from one image, they only share the id: give each its own (delete /etc/machine-id, run systemd-machine-id-setup).' : 'Move one to another machine: replica remove, then replica add on another host.',
    })
  }
  const labelled = ms.filter((m) => i.domains.get(m.host))
  for (const g of groupBy(labelled, (m) => i.domains.get(m.host))) {
    const domain = i.domains.get(g[0]!.host)!
    const all = g.length === ms.length
    out.push({ id: `same-domain:${domain}:${g.map((m) => m.name).join(',')}`, severity: all ? 'critical' : 'warning', text: `${list(g.map((m) => m.name))} are all in failure domain "${domain}": ${all ? 'one failure there takes the whole cluster' : 'one failure there takes them together'}.`, fix: 'Place a replica in another failure domain (another room, UPS or box).' })
  }
  if (ms.length > 1 && labelled.length === 0) out.push({ id: 'no-domains', severity: 'info', text: 'No failure domains are set on these hosts, so shared power, rooms or hypervisors cannot be checked.', fix: 'Give each host a failure domain (host edit NAME --failure-domain "rack 1").' })
  for (const m of ms) {
    const virt = i.hosts.get(m.host)?.virt
    if (virt && virt !== 'none' && !i.domains.get(m.host)) out.push({ id: `virt:${m.host}`, severity: 'info', text: `${m.host} is a virtual machine (${virt}); ReplicaDesk cannot see which hypervisor runs it.`, fix: 'If several members share a hypervisor, give their hosts the same failure domain so the verdict counts them as one.' })
  }
  return out
}

function replication(i: FindingsInput): HealthFinding[] {
  const out: HealthFinding[] = []
  const s = i.status
  const replicas = i.record.members.length - 1
  if (i.record.desiredReplicas !== undefined && replicas < i.record.desiredReplicas) out.push({ id: 'desired', severity: 'warning', text: `${replicas} replica${replicas === 1 ? '' : 's'}, ${i.record.desiredReplicas} desired.`, fix: `Apply the redundancy settings again (\`replicadesk settings ${i.record.id} --yes\`, or Apply in the Redundancy panel): ReplicaDesk adds the missing replica${i.record.desiredReplicas - replicas === 1 ? '' : 's'} on a host of another failure domain.` })
  if (i.record.relaxedSince) out.push({ id: 'relaxed', severity: 'critical', text: `Synchronous replication is relaxed since ${i.record.relaxedSince} (policy "available": the synchronous replicas were gone): writes acknowledged since then may exist only on the primary.`, fix: 'Bring the synchronous replicas back: a running ReplicaDesk restores the setting as soon as they stream.' })
  else if (i.syncUnmet) out.push({ id: 'sync-unmet', severity: 'critical', text: `The synchronous setting cannot be met now: ${i.syncUnmet}; writes wait.`, fix: 'Start or rejoin the synchronous replicas, or lower the synchronous count (settings).' })
  // Handed over, the manager on the servers starts and re-points members; a rebuild is what is left to ask.
  const manager = i.record.automatic && i.record.automatic.mode.charAt(0).toUpperCase() + i.record.automatic.mode.slice(1)
  const managed = manager && ((name: string) => `${manager} starts it again and makes it follow once its host runs; if it stays so, look at its log, or rebuild it (rejoin ${i.record.id} ${name} --rebuild).`)
  for (const m of s.members) {
    if (m.name === s.primary || i.record.fenced.includes(m.name)) continue
    if (m.state !== 'up') out.push({ id: `down:${m.name}`, severity: 'warning', text: m.down ? `Down: ${m.down.reason}` : `${m.name} on ${m.host} is down.`, fix: managed ? managed(m.name) : 'Start it, or rejoin it if it was a primary.' })
    else if (s.primary && m.senderState !== 'streaming') out.push({ id: `not-streaming:${m.name}`, severity: 'warning', text: `${m.name} does not stream from ${s.primary}${m.senderState ? ` (${m.senderState})` : ''}.`, fix: managed ? managed(m.name) : (i.advice?.notStreaming ?? 'Look at its log; rejoin it if it follows another timeline.') })
  }
  for (const f of i.record.fenced) out.push({ id: `fenced:${f}`, severity: 'warning', text: `${f} is fenced: it counts for nothing until it is rejoined.`, fix: `Rejoin it (rejoin ${i.record.id} ${f}).` })
  const candidates = s.members.filter((m) => m.name !== s.primary && m.state === 'up' && m.senderState === 'streaming' && !i.record.fenced.includes(m.name) && !i.record.members.find((x) => x.name === m.name)?.neverPromote && (m.lagBytes ?? 0) <= i.record.maxLagBytes)
  // A record without a byte bound (MariaDB counts transactions) says no MiB.
  const behind = i.record.maxLagBytes < Number.MAX_SAFE_INTEGER ? ` or more than ${Math.round(i.record.maxLagBytes / 1048576)} MiB behind` : ' or not replicating'
  if (s.primary && replicas > 0 && candidates.length === 0) out.push({ id: 'no-candidate', severity: 'critical', text: `No replica can take over from ${s.primary}: each is down, fenced, never-promote${behind}.`, fix: 'Bring a replica back to streaming, or allow one to be promoted (settings).' })
  return out
}

/** "about 40 seconds", "about 12 minutes", "about 3.5 hours". */
export function duration(seconds: number): string {
  const n = (count: number, unit: string) => `${count} ${unit}${count === 1 ? '' : 's'}`
  if (seconds < 120) return n(Math.round(seconds), 'second')
  if (seconds < 2 * 3600) return n(Math.round(seconds / 60), 'minute')
  return `${(seconds / 3600).toFixed(1)} hours`
}

const mib = (bytes: number) => `${Math.round(bytes / 1048576)} MiB`
const mibPerS = (rate: number) => `${(rate / 1048576).toFixed(1)} MiB/s`

/** Slots of a replica that does not take its WAL: invalidated, past their cap, or filling the primary's disk. */
function slots(i: FindingsInput): HealthFinding[] {
  const out: HealthFinding[] = []
  const disk = i.status.members.find((m) => m.name === i.status.primary)?.disk
  const slots = [...i.status.members.flatMap((m) => (m.slot ? [m.slot] : [])), ...i.status.otherSlots]
  for (const slot of slots) {
    if (slot.walStatus === 'lost') {
      out.push({ id: `slot-lost:${slot.name}`, severity: 'critical', text: `Slot ${slot.name} was invalidated (it held more WAL than allowed): its replica cannot catch up.`, fix: 'Rebuild that replica (rejoin --rebuild).' })
      continue
    }
    const walRate = i.slotGrowth.get(slot.name) ?? 0
    if (slot.active || walRate <= 0) continue
    // The slot keeps every byte of WAL written, but the disk also takes the data itself (about as
    // much again for INSERTs) and bursts (a vacuum rewriting pages into WAL): the free space is what
    // runs out, so its own fall is the rate when faster.
    const rate = Math.max(walRate, i.diskFill ?? 0)
    // df runs on a slower period than the status: what it saw has shrunk since.
    const free = disk ? Math.max(0, disk.freeBytes - (rate * Math.max(0, Date.parse(i.status.at) - Date.parse(disk.at))) / 1000) : undefined
    const fullIn = free === undefined ? Infinity : free / rate
    // A cap saves the disk only if the slot goes first: it is dropped at the first checkpoint after
    // passing the cap, which may come up to checkpoint_timeout later.
    const lostIn = slot.safeWalSizeBytes === null ? Infinity : Math.max(0, slot.safeWalSizeBytes) / walRate + CHECKPOINT_S
    if (lostIn < fullIn) {
      if (lostIn < HORIZON_S) out.push({ id: `slot-cap:${slot.name}`, severity: 'warning', text: slot.walStatus === 'unreserved' ? `Slot ${slot.name} holds more WAL than its cap: the next checkpoint drops it, and its replica will need a rebuild.` : `Slot ${slot.name} reaches its WAL cap in about ${duration(lostIn - CHECKPOINT_S)} at ${mibPerS(walRate)}: then it is dropped, and its replica will need a rebuild.`, fix: 'Bring its replica back before then, or raise the cap (settings --slot-wal-cap) if the disk has room.' })
      continue
    }
    if (free === undefined || fullIn >= HORIZON_S) continue
    const fills = rate > walRate * 1.2 ? ` while the free space falls ${mibPerS(rate)} (WAL and data)` : ''
    // Until df has measured the fall of the free space, the slot's growth alone gives only an upper
    // bound: the data written besides the WAL (about as much again for INSERTs) fills it sooner.
    const when = i.diskFill === undefined ? `in at most about ${duration(fullIn)} (counting the WAL alone: the data written besides it is not measured yet and fills it sooner)` : `in about ${duration(fullIn)}`
    out.push({ id: `slot-fill:${slot.name}`, severity: fullIn < 6 * 3600 ? 'critical' : 'warning', text: `Slot ${slot.name} holds ${mib(slot.retainedBytes ?? 0)} of WAL and grows ${mibPerS(walRate)}${fills}: the primary's disk (${mib(free)} free) is full ${when}.`, fix: 'Bring its replica back, remove it (replica remove drops the slot), or cap the WAL a slot may hold (settings --slot-wal-cap).' })
  }
  return out
}

function serviceAddress(i: FindingsInput): HealthFinding[] {
  const a = i.address
  if (!a) return []
  if (a.holders.length > 1) return [{ id: `split-address:${a.holders.join(',')}`, severity: 'critical', text: `${list(a.holders)} ${a.holders.length === 2 ? 'both' : 'all'} hold the service address ${a.address}: clients may write to ${a.holders.length === 2 ? 'either' : 'any of them'}.`, fix: 'Fence every member but the primary (the fence takes the address off it).' }]
  const primaryHost = i.status.members.find((m) => m.name === i.status.primary)?.host
  if (primaryHost && !a.holders.includes(primaryHost) && !a.unknown.includes(primaryHost)) return [{ id: 'address-off-primary', severity: 'warning', text: `The service address ${a.address} is not on the primary's host ${primaryHost}${a.holders.length ? ` but on ${a.holders[0]}` : ''}: apps that use it do not reach the primary.`, fix: 'Apply the settings again (settings CLUSTER), which puts it on the primary.' }]
  return []
}

function settingsDrift(i: FindingsInput): HealthFinding[] {
  const d = i.drift
  if (!d) return []
  const bySetting = new Map<string, typeof d.drift>()
  for (const x of d.drift) bySetting.set(x.setting, [...(bySetting.get(x.setting) ?? []), x])
  const out: HealthFinding[] = [...bySetting].map(([setting, xs]) => ({
    id: `drift:${setting}`,
    severity: 'warning',
    text: `${setting} differs from ReplicaDesk's setting: ${xs.map((x) => `'${x.server || '(empty)'}' on ${x.member} (ReplicaDesk: '${x.wanted || '(empty)'}')`).join(', ')}.`,
    fix: `Put ReplicaDesk's value back: replicadesk settings ${i.record.id} --yes. Or keep the server's: replicadesk settings ${i.record.id} --adopt --yes.`,
  }))
  for (const p of d.pendingRestart) {
    const primary = p.member === i.status.primary
    out.push({ id: `pending-restart:${p.member}`, severity: 'info', text: `${p.member} runs with the old ${p.settings.join(', ')} until it restarts.`, fix: primary ? 'Switch over away from it (it restarts as a standby), then back if you like.' : `Apply the settings again (replicadesk settings ${i.record.id} --yes): standbys restart one at a time.` })
  }
  return out
}

export function findings(i: FindingsInput): HealthFinding[] {
  const out: HealthFinding[] = [...serviceAddress(i), ...settingsDrift(i)]
  if (i.status.splitBrain) out.push({ id: 'split-brain', severity: 'critical', text: i.status.splitBrain.message, fix: 'Fence all but one of them.' })
  else if (!i.status.primary) out.push({ id: 'no-primary', severity: 'critical', text: 'No member accepts writes.', fix: 'Start the primary, or fail over to a replica.' })
  out.push(...placement(i), ...replication(i), ...slots(i))
  out.push({ id: 'no-backup', severity: 'info', text: 'No backup: replication copies a mistaken DROP TABLE to every replica within milliseconds.', fix: `Back up to another machine as well (${i.advice?.backupTools ?? 'pgBackRest, or pg_dump on a timer'}); replicas are not backups.` })
  return out
}
