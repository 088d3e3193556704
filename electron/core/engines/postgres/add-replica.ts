// Adding a standby to a running cluster, as journaled steps:
//   preflight    the new member's host (version, data dir, disk, port, reach) and the primary
//   prepare      replication access on every member (pg_hba block, ~/.pgpass), the data dir
//                claimed and created (Debian: pg_createcluster), slots for the new member on
//                the other standbys, their synchronous_standby_names
//   base-backup  pg_basebackup -X stream -C -S rd_<member>, with byte progress
//   start        standby.signal + its own settings (primary_conninfo with application_name,
//                slot, listen_addresses, port), then pg_ctl / pg_ctlcluster start
//   streaming    wait until the primary's pg_stat_replication shows it streaming; its own
//                slots for the other members (without reserving WAL)
//   sync         synchronous_standby_names on the primary, only once the standbys stream
// The primary is located on every run from the servers. Every undo only touches what the
// operation claimed.
import { z } from 'zod'
import { AppError } from '../../../../shared/errors'
import type { Step, StepCommand } from '../../operations'
import type { HostExec } from '../host-exec'
import { accessChange, accessPlan, applyAccess, clusterHbaBlock, hbaUpToDate, pgpassEntries, pgpassUpToDate, readState, readStateCommand, type MemberState } from './access'
import { claimKey, parseClaim } from './claims'
import { confLine, conninfo } from './conf'
import { pgError } from './errors'
import { factsQuery, HOT_STANDBY_LIMITS, locatePrimary, majorOf, pgFacts, readFacts, type MemberFacts, type PgFacts } from './facts'
import { hbaFile, memberName, memberOf, pgCluster, slotName, debianConfDir, type PgCluster, type PgMember } from './model'
import { PgNode, type Command, memberNodes } from './node'
import { findPassword } from './pgpass'
import { checkNewMember, neededBytes, probe, probeCommand, type Probe } from './probe'
import { BasebackupProgressParser } from './progress'
import { BACKUP_STATE, CLAIM, CLAIMED_FRESH, CONFIGURE_STANDBY, STOP_ORPHAN_COPY } from './scripts'
import { lit } from './sql'
import { degradedSyncValue, satisfiable, syncNames } from './sync'
import { alterSystem, createSlotSql, dropSlotSql, dropSlotWhenFree, monitorRoleSql } from './statements'
import { explainBackupFailure } from './basebackup'
import { allowArg, checkDataDir, clusterSysid, explainGuardFailure, guardCommand, judgeNewDataDir, knownDataDir, planDeletionNote, protectedDirs, refuseRunningOnTarget } from './data-dir-guard'
import { execTimeoutMs, isRunning, releaseDataDir, START_TIMEOUT_S, startCommand, stopCommand } from './instance'

export const addReplicaParams = z
  .object({
    cluster: pgCluster,
    member: memberName,
    overwrite: z.boolean().default(false),
    /** The user confirmed a second time that a non-empty data dir that is NOT a copy of this cluster may be emptied. */
    overwriteUnrelated: z.boolean().default(false),
    /** Data dirs of the members of the other cluster records (the guard keeps away from those on this host). */
    knownDataDirs: z.array(knownDataDir).default([]),
    /** Free disk asked for beyond the copy (default 10 %, at least 64 MB). */
    diskMarginBytes: z.number().int().min(0).optional(),
    backupTimeoutMs: z.number().int().min(1000).default(12 * 3600_000),
    streamTimeoutMs: z.number().int().min(1000).default(120_000),
  })
  .superRefine((p, ctx) => {
    if (!p.cluster.members.some((m) => m.name === p.member)) ctx.addIssue({ code: 'custom', message: `The cluster has no member named ${p.member}`, path: ['member'] })
    if (p.cluster.members.length < 2) ctx.addIssue({ code: 'custom', message: 'A replica needs a primary: the cluster must list at least two members', path: ['cluster', 'members'] })
  })
export type AddReplicaParams = z.output<typeof addReplicaParams>

/** Per-member keys a standby must not inherit from its source's postgresql.auto.conf. */
const OWN_KEYS = ['port', 'listen_addresses', 'cluster_name', 'primary_conninfo', 'primary_slot_name', 'synchronous_standby_names']

type Up = { member: PgMember; facts: PgFacts }

/** Everything one attempt has read so far; a fresh definition (resume, abandon) starts empty. */
interface Memo {
  primary?: Up
  /** The new member's data dir is claimed by this very operation (a resume after a crash). */
  ownCopy?: boolean
  facts?: MemberFacts[]
  probe?: Probe
  needsRoot?: boolean
  /** The cluster's system identifier (what a stale copy of it carries). */
  sysid?: string
  password?: string
  prepare?: Prepared
  /**
   * This attempt's pre-flight found no trace of the member (no claim; data dir missing, empty,
   * or the user's to overwrite): the copy, the server and its stream cannot exist yet, so the
   * checks of those steps need not ask. Reads made earlier in the same attempt, under the
   * cluster lease, stand in for a new read only in such cases; a resume or abandon starts empty.
   */
  fresh?: boolean
  /** The members' files as pre-flight read them (for prepare's check, right after). */
  states?: [MemberState[], MemberState]
  /** prepare made (or found) the other standbys' synchronous_standby_names right. */
  standbysSynced?: boolean
  /** The slot on the primary as base-backup's check saw it. */
  slotSeen?: { name: string; active: boolean } | null
  sync?: SyncState
}

interface SyncState {
  up: Up
  standbys: Up[]
  streamingNames: string[]
  wantPrimary: string
}

interface Prepared {
  states: MemberState[]
  newState: MemberState
  block: string[]
  password: string
  primary: Up
  standbySql: Map<string, string[]>
  primarySql: string[]
  done: boolean
}

export function buildAddReplica(hosts: HostExec, p: AddReplicaParams): Step<AddReplicaParams>[] {
  const c: PgCluster = p.cluster
  const major = c.major
  const member = memberOf(c, p.member)
  const { R, others, nodeOf } = memberNodes(hosts, c, member.name)
  const slot = slotName(member.name)
  const key = claimKey(member.dataDir)
  const role = c.replicationRole
  const memo: Memo = {}
  const all = [...others, R]
  const prot = protectedDirs(member, c.members, p.knownDataDirs)
  const sysid = async () => (memo.sysid ??= await clusterSysid(nodeOf((await primary()).member)))
  /** What the guard lets the base backup delete besides a missing or empty dir. */
  const allow = (id: string) => allowArg({ any: p.overwrite && p.overwriteUnrelated, sysid: p.overwrite ? id : undefined })

  async function locate(): Promise<Up> {
    const facts = await Promise.all(others.map((n) => readFacts(n, role)))
    memo.facts = facts
    memo.primary = locatePrimary(c, facts)
    if (majorOf(memo.primary.facts.versionNum) !== major) {
      throw pgError('version_mismatch', `The primary ${memo.primary.member.name} on ${memo.primary.member.host} runs PostgreSQL ${memo.primary.facts.version}, but cluster ${c.id} is recorded as PostgreSQL ${major}. Adopt the cluster again so ReplicaDesk knows its version.`, { host: memo.primary.member.host, check: 'version' })
    }
    return memo.primary
  }
  const primary = async () => memo.primary ?? locate()
  const hbaPathOf = (n: PgNode) => {
    const f = memo.facts?.find((x) => x.member.name === n.name)
    return f && 'facts' in f ? f.facts.hbaFile : hbaFile(n.member, major)
  }

  // ---- preflight --------------------------------------------------------------------------
  const preflight: Step<AddReplicaParams> = {
    id: 'preflight',
    title: `Check ${member.host} and the cluster`,
    hosts: all.map((n) => n.host),
    plan: async () => [
      R.planned(probeCommand(R, others.map((n) => n.member))),
      { ...R.planned(guardCommand(R, member.dataDir, 'none', prot)), ...(p.overwrite && { note: await planDeletionNote(R, member.dataDir, prot, others, p.overwriteUnrelated, c.id) }) },
      ...others.map((n) => n.planned(n.psql([factsQuery(role)], 'reads role, version, settings, slots and size'))),
      ...all.map((n) => n.planned(readStateCommand(n, n === R ? (member.layout === 'debian' ? hbaFile(member, major) : undefined) : hbaFile(n.member, major), n === R))),
    ],
    // Pre-flight changes nothing, so there is nothing to find already done: it runs every time.
    check: async () => false,
    async run(ctx, report) {
      // The files prepare needs are read now too, where the model says they are (checked below).
      const newHba = member.layout === 'debian' ? hbaFile(member, major) : undefined
      const [probed, up, states, newState, guarded] = await Promise.all([probe(R, others.map((n) => n.member)), locate(), Promise.all(others.map((n) => readState(n, hbaFile(n.member, major)))), readState(R, newHba, true), checkDataDir(R, member.dataDir, 'none', prot, true)])
      if (states.every((s) => s.hbaPath === hbaPathOf(s.node))) memo.states = [states, newState]
      const down = memo.facts!.filter((f) => 'error' in f)
      if (down.length) {
        const names = down.map((d) => `${d.member.name} on ${d.member.host}`).join(', ')
        throw pgError('cluster_state', `${names} ${down.length > 1 ? 'are' : 'is'} not running. Adding a member changes pg_hba.conf, passwords and slots on every member: start ${down.length > 1 ? 'them' : 'it'}, or remove ${down.length > 1 ? 'them' : 'it'} from the cluster first.`, { down: down.map((d) => d.member.name) })
      }
      const f = up.facts
      judgeNewDataDir({ host: member.host, target: member.dataDir, answer: guarded, ours: probed.claim?.operation === ctx.operationId, overwrite: p.overwrite, unrelated: p.overwriteUnrelated, sysid: await sysid(), clusterId: c.id, member: member.name })
      const verdict = checkNewMember({
        member,
        major,
        probe: probed,
        operationId: ctx.operationId,
        overwrite: p.overwrite,
        needBytes: neededBytes(f.sizeBytes, p.diskMarginBytes),
        source: { name: up.member.name, host: up.member.host, address: up.member.address, port: up.member.port },
      })
      refuseRunningOnTarget(member.host, member.dataDir, guarded, probed.claim?.operation === ctx.operationId)
      checkSource(up, probed.claim?.operation === ctx.operationId)
      if (verdict.needsRoot) await R.run(R.root(['true']), { timeoutMs: 10_000 }) // sudo -n works (or ssh_sudo_password)
      memo.probe = probed
      memo.needsRoot = verdict.needsRoot
      memo.fresh = !probed.claim && probed.runningPid === undefined
      report({ message: `Primary is ${up.member.name} on ${up.member.host} (PostgreSQL ${f.version}); ${member.host} is ready` })
    },
  }

  /** `ours`: the new member's data dir is this operation's (a resume): its slot and stream are ours too. */
  function checkSource(up: Up, ours: boolean): void {
    const f = up.facts
    const at = `${up.member.name} on ${up.member.host}`
    const fail = (check: string, message: string) => {
      throw pgError('preflight_failed', message, { host: up.member.host, check })
    }
    if (!['replica', 'logical'].includes(f.walLevel)) fail('wal_level', `${at} has wal_level = ${f.walLevel}; replication needs "replica". Adopt the cluster again (it sets it, with a restart).`)
    if (!f.roles.some((r) => r.name === role && r.replication && r.login)) fail('role', `${at} has no replication role "${role}". Create or adopt the cluster with ReplicaDesk first.`)
    const slotThere = f.slots.find((s) => s.name === slot)
    if (ours) return
    if (slotThere?.active) fail('slot', `The replication slot ${slot} on ${at} is in use: a standby named ${member.name} may already follow it. Pick another member name or remove that standby.`)
    if (slotThere) fail('slot', `${at} already has a replication slot named ${slot} that ReplicaDesk did not make in this operation. Drop it (SELECT pg_drop_replication_slot('${slot}')) if nothing uses it, or pick another member name.`)
    if (f.senders.some((s) => s.name === member.name)) fail('name', `A standby with application_name "${member.name}" already streams from ${at}. Pick another member name.`)
    const sendersNeeded = f.senders.length + 2 // the backup's WAL stream, then the standby
    if (f.maxWalSenders < sendersNeeded) fail('senders', `${at} allows ${f.maxWalSenders} WAL senders and ${f.senders.length} are in use; a base backup and a new standby need ${sendersNeeded}. Raise max_wal_senders (needs a restart).`)
    if (f.maxSlots < f.slots.length + 1 && !slotThere) fail('slots', `${at} allows ${f.maxSlots} replication slots and all are used. Raise max_replication_slots (needs a restart) or drop unused slots.`)
  }

  // ---- prepare ----------------------------------------------------------------------------
  async function assessPrepare(opId: string): Promise<Prepared> {
    const up = await primary()
    const factsOf = (m: PgMember) => (memo.facts?.find((f) => f.member.name === m.name && 'facts' in f) as Up | undefined)?.facts
    const newHba = member.layout === 'debian' ? hbaFile(member, major) : undefined
    const [states, newState] = memo.states ?? (await Promise.all([Promise.all(others.map((n) => readState(n, hbaPathOf(n)))), readState(R, newHba, true)]))
    memo.states = undefined
    const block = clusterHbaBlock(c, [...states, newState])
    const primaryState = states.find((s) => s.node.name === up.member.name)!
    const password = memo.password ?? findPassword(primaryState.pgpass, role)
    if (!password) {
      throw pgError('cluster_state', `The replication password of "${role}" is not in the postgres user's ~/.pgpass on ${up.member.host}, so ReplicaDesk cannot give it to ${member.host}. Adopt the cluster again: it sets a new password on every member.`, { host: up.member.host })
    }
    memo.password = password
    const entries = pgpassEntries(c.members)
    const standbySql = new Map<string, string[]>()
    for (const n of others) {
      if (n.name === up.member.name) continue
      const f = factsOf(n.member)
      const sql: string[] = []
      if (!f?.slots.some((s) => s.name === slot)) sql.push(createSlotSql([slot], false))
      const want = syncNames(c, n.name)
      if (f && f.syncNames !== want) sql.push(alterSystem('synchronous_standby_names', want))
      if (sql.length) standbySql.set(n.name, [...sql, 'SELECT pg_reload_conf()'])
    }
    const primarySql: string[] = []
    if (member.access === 'sudo' && newState.login && newState.login !== 'postgres' && !up.facts.roles.some((r) => r.name === newState.login && r.monitor)) {
      primarySql.push(...monitorRoleSql(newState.login))
    }
    const claimed = newState.claim?.operation === opId
    const newReady = claimed && (member.layout === 'plain' || newState.hba !== undefined) && (member.layout === 'plain' || hbaUpToDate(newState, block))
    const done =
      newReady &&
      [...states, newState].every((s) => pgpassUpToDate(s, role, entries)) &&
      states.every((s) => hbaUpToDate(s, block)) &&
      standbySql.size === 0 &&
      primarySql.length === 0
    return { states, newState, block, password, primary: up, standbySql, primarySql, done }
  }

  const createNew = (opId: string, mk: boolean): Command => R.pg(['sh', '-c', CLAIM, 'sh', key, opId, member.name, member.dataDir, mk ? 'yes' : 'no'], 'claims the data dir for this operation')
  const makeDirAsRoot = (): Command => R.root(['install', '-d', '-o', 'postgres', '-g', 'postgres', '-m', '700', member.dataDir])
  const createDebian = (): Command => R.pg(['pg_createcluster', major, member.debianName, '-p', String(member.port), '-d', member.dataDir])

  const prepare: Step<AddReplicaParams> = {
    id: 'prepare',
    title: `Give ${member.name} replication access and prepare ${member.dataDir}`,
    hosts: all.map((n) => n.host),
    plan: (ctx) => {
      const opId = ctx.operationId ?? 'OPERATION'
      const cmds: StepCommand[] = [R.planned(createNew(opId, true)), R.planned({ ...makeDirAsRoot(), note: 'only when postgres cannot create it' })]
      if (member.layout === 'debian') cmds.push(R.planned(createDebian()))
      cmds.push(...accessPlan([...others.map((n) => ({ node: n, hbaPath: hbaFile(n.member, major), reload: true })), { node: R, hbaPath: member.layout === 'debian' ? hbaFile(member, major) : undefined, reload: false }]))
      for (const n of others) cmds.push(n.planned(n.psql([createSlotSql([slot], false), alterSystem('synchronous_standby_names', syncNames(c, n.name)), 'SELECT pg_reload_conf()'], 'on standbys: a slot for the new member, their synchronous_standby_names')))
      return cmds
    },
    async check(ctx) {
      memo.prepare = await assessPrepare(ctx.operationId)
      if (memo.prepare.done) memo.standbysSynced = true
      return memo.prepare.done
    },
    async run(ctx, report) {
      const a = memo.prepare ?? (await assessPrepare(ctx.operationId))
      memo.prepare = undefined
      const entries = pgpassEntries(c.members)
      const newMember = async () => {
        const claimedAlready = a.newState.claim?.operation === ctx.operationId
        if (!claimedAlready || member.layout === 'debian' || memo.needsRoot) {
          await R.run(createNew(ctx.operationId, !memo.needsRoot && member.layout === 'plain'))
          if (memo.needsRoot) await R.run(makeDirAsRoot())
        }
        if (member.layout === 'debian') {
          if (a.newState.hba === undefined) {
            await R.run(createDebian(), { timeoutMs: 120_000 })
            const fresh = await readState(R, hbaFile(member, major), true)
            await applyAccess(accessChange(fresh, c, a.block, a.password, entries, [], false))
            return
          }
        }
        await applyAccess(accessChange(a.newState, c, a.block, a.password, entries, [], false))
      }
      await Promise.all([
        newMember(),
        ...a.states.map(async (s) => {
          await applyAccess(accessChange(s, c, a.block, a.password, entries, [], true))
          const sql = s.node.name === a.primary.member.name ? a.primarySql : a.standbySql.get(s.node.name)
          if (sql?.length) await s.node.sql(sql)
        }),
      ])
      memo.standbysSynced = true
      report({ message: `Replication access for ${member.name} on ${a.states.length + 1} members` })
    },
    async undo(ctx) {
      const up = await primary()
      const states = await Promise.all(others.map((n) => readState(n, hbaPathOf(n))))
      const block = clusterHbaBlock(c, states)
      const removed = pgpassEntries([member]).filter((e) => !others.some((o) => o.member.address === e.host && o.member.port === e.port))
      await Promise.all([
        ...states.map(async (s) => {
          await applyAccess(accessChange(s, c, block, undefined, pgpassEntries(others.map((o) => o.member)), removed, true))
          if (s.node.name !== up.member.name) {
            const want = syncNames(c, s.node.name, [member.name])
            await s.node.sql([dropSlotSql(slot), alterSystem('synchronous_standby_names', want), 'SELECT pg_reload_conf()'])
          }
        }),
        (async () => {
          const own = await readState(R, undefined, true)
          if (own.claim?.operation !== ctx.operationId) return
          // The passfile belongs to the host: keep it while another member lives there.
          if (!others.some((o) => o.host === R.host)) await applyAccess(accessChange(own, c, [], undefined, [], pgpassEntries(c.members), false))
          if (await isRunning(R)) await R.run(stopCommand(R), { timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
          await releaseDataDir(R, ctx.operationId, own.claim.made, prot)
          if (member.layout === 'debian') await R.run(R.pg(['rm', '-rf', '--', debianConfDir(member, major)]))
        })(),
      ])
    },
  }

  // ---- base-backup ------------------------------------------------------------------------
  const basebackupArgv = (up: PgMember) => [
    R.tool('pg_basebackup'),
    '-d',
    conninfo({ host: up.address, port: up.port, user: role }),
    '-D',
    member.dataDir,
    '-X',
    'stream',
    '-C',
    '-S',
    slot,
    '--checkpoint=fast',
    '--progress',
    '--no-password',
  ]
  const backupCommand = (opId: string, up: PgMember, id: string): Command =>
    R.pg(['sh', '-c', CLAIMED_FRESH, 'sh', key, opId, member.dataDir, R.tool('pg_controldata'), allow(id), prot, ...basebackupArgv(up)], 'the data-dir guard, then empties the claimed data dir and copies the primary')
  const guardAction = p.overwrite ? 'empty' : 'write into'
  const stopOrphanCopy = (): Command => R.pg(['sh', '-c', STOP_ORPHAN_COPY, 'sh', member.dataDir], 'stops a copy left running by a ReplicaDesk that died')
  const slotOnPrimary = async (up: Up) => (await nodeOf(up.member).json(`SELECT coalesce(json_agg(json_build_object('name', slot_name, 'active', active)), '[]') FROM pg_replication_slots WHERE slot_name = ${lit(slot)}`, pgFacts.shape.slots))[0]

  const baseBackup: Step<AddReplicaParams> = {
    id: 'base-backup',
    title: `Copy the primary to ${member.host} (pg_basebackup)`,
    hosts: [member.host],
    weight: 20,
    plan: async (ctx) => {
      const up = memo.primary?.member ?? c.members.find((m) => m.name !== member.name)!
      return [nodeOf(up).planned(nodeOf(up).psql([dropSlotSql(slot)], `only a leftover, inactive ${slot} from an earlier attempt`)), R.planned(backupCommand(ctx.operationId ?? 'OPERATION', up, memo.sysid ?? 'SYSTEM_ID'))]
    },
    async check(ctx) {
      if (memo.fresh) {
        memo.slotSeen = null // pre-flight refused a slot of that name that was not this operation's
        return false
      }
      const up = await primary()
      const [state, s] = await Promise.all([R.run(R.pg(['sh', '-c', BACKUP_STATE, 'sh', key, member.dataDir])), slotOnPrimary(up)])
      const lines = state.stdout.split('\n')
      const claim = parseClaim(lines.find((l) => l.startsWith('claim '))?.slice(6))
      memo.slotSeen = s ?? null
      memo.ownCopy = claim?.operation === ctx.operationId
      return memo.ownCopy && lines.includes('manifest') && s !== undefined
    },
    async run(ctx, report) {
      const up = await primary()
      const P = nodeOf(up.member)
      const s = memo.slotSeen === undefined ? await slotOnPrimary(up) : (memo.slotSeen ?? undefined)
      memo.slotSeen = undefined
      if (memo.ownCopy) await R.run(stopOrphanCopy())
      if (s?.active && memo.ownCopy) {
        // Resuming our own copy after a crash: the orphaned copy of the dead process is
        // stopped; its slot is free once the primary notices.
        await dropSlotWhenFree(P, slot, 15_000)
      } else if (s?.active) {
        throw pgError('cluster_state', `The slot ${slot} on ${up.member.host} is in use by another connection; ReplicaDesk will not take it over.`, { host: up.member.host })
      } else if (s) await P.sql([dropSlotSql(slot)])
      let lastReport = Date.now()
      const parser = new BasebackupProgressParser((pr) => {
        lastReport = Date.now()
        report({ ...pr, message: `Copying from ${up.member.name}` })
      })
      // pg_basebackup is quiet while it waits for the checkpoint, and late under load: the bar
      // hears from this step at least every 0.8 s whatever it prints.
      const heartbeat = setInterval(() => {
        if (Date.now() - lastReport < 800) return
        lastReport = Date.now()
        report(parser.last ? { ...parser.last, message: `Copying from ${up.member.name}` } : { message: `Waiting for a checkpoint on ${up.member.name}` })
      }, 200)
      try {
        await R.run(backupCommand(ctx.operationId, up.member, await sysid()), { timeoutMs: p.backupTimeoutMs, onOutput: (stream, chunk) => stream === 'stderr' && parser.push(chunk) })
      } catch (err) {
        const refused = explainGuardFailure(err, member.host, member.dataDir, guardAction)
        if (refused !== err) throw refused
        throw explainBackupFailure(err, up.member, member.host, parser.messages())
      } finally {
        clearInterval(heartbeat)
      }
      if (parser.last) report({ bytesDone: parser.last.bytesTotal, bytesTotal: parser.last.bytesTotal })
    },
    async undo(ctx) {
      const up = await primary()
      const own = await readState(R, undefined, true)
      if (own.claim?.operation === ctx.operationId) {
        await R.run(stopOrphanCopy())
        if (await isRunning(R)) await R.run(stopCommand(R), { timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
        await R.run(R.pg(['sh', '-c', CLAIMED_FRESH, 'sh', key, ctx.operationId, member.dataDir, R.tool('pg_controldata'), 'none', prot, 'true'])).catch((err: unknown) => {
          throw explainGuardFailure(err, member.host, member.dataDir, 'empty')
        })
      }
      await dropSlotWhenFree(nodeOf(up.member), slot)
    },
  }

  // ---- start ------------------------------------------------------------------------------
  function standbyLines(up: Up, addresses: readonly string[]): string[] {
    const listen = ['localhost', ...addresses].join(',')
    const lines = [
      confLine('listen_addresses', listen),
      confLine('primary_conninfo', conninfo({ host: up.member.address, port: up.member.port, user: role, application_name: member.name })),
      confLine('primary_slot_name', slot),
      confLine('synchronous_standby_names', syncNames(c, member.name)),
    ]
    if (member.layout === 'plain') lines.unshift(confLine('port', String(member.port)), confLine('cluster_name', member.name))
    else for (const k of HOT_STANDBY_LIMITS) lines.push(confLine(k, up.facts.hotStandbyLimits[k] ?? ''))
    return lines.filter((l) => !l.endsWith("''") || l.startsWith('synchronous'))
  }
  const ownKeys = () => [...OWN_KEYS, ...(member.layout === 'debian' ? HOT_STANDBY_LIMITS : [])].join(' ')
  const configureCommand = (): Command => R.pg(['sh', '-c', CONFIGURE_STANDBY, 'sh', member.dataDir, ownKeys(), ...startCommand(R).argv.slice(3)], 'its own settings (over stdin) and standby.signal, then start')

  const standbyState = () => R.json(`SELECT json_build_object('inRecovery', pg_is_in_recovery(), 'dataDir', current_setting('data_directory'))`, z.object({ inRecovery: z.boolean(), dataDir: z.string() }))

  const start: Step<AddReplicaParams> = {
    id: 'start',
    title: `Start ${member.name} as a standby`,
    hosts: [member.host],
    plan: () => [R.planned(configureCommand())],
    async check() {
      if (memo.fresh) return false
      const s = await standbyState().catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'command_failed') return undefined // not running
        throw err
      })
      return s !== undefined && s.inRecovery && s.dataDir === member.dataDir
    },
    async run(_ctx, report) {
      const up = await primary()
      const addresses = memo.probe?.addresses ?? (await readState(R, undefined)).addresses
      const lines = standbyLines(up, addresses)
      try {
        await R.run(configureCommand(), { stdin: lines.join('\n') + '\n', timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
      } catch (err) {
        if (err instanceof AppError) {
          throw pgError('cluster_state', `${member.name} did not start on ${member.host}: ${err.message} See ${member.layout === 'debian' ? `/var/log/postgresql/postgresql-${major}-${member.debianName}.log` : 'its log file'} there.`, { host: member.host, cause: err.message })
        }
        throw err
      }
      report({ message: `${member.name} started` })
    },
    async undo(ctx) {
      const own = await readState(R, undefined, true)
      if (own.claim?.operation === ctx.operationId && (await isRunning(R))) await R.run(stopCommand(R), { timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
    },
  }

  // ---- streaming --------------------------------------------------------------------------
  const otherSlots = () => others.map((n) => slotName(n.name))
  const streamingQuery = `SELECT json_build_object('streaming', EXISTS (SELECT 1 FROM pg_stat_replication WHERE application_name = ${lit(member.name)} AND state = 'streaming'))`
  const waitSql = (timeoutMs: number) => `DO $rd$
DECLARE deadline timestamptz := clock_timestamp() + ${lit(`${Math.ceil(timeoutMs / 1000)} s`)}::interval;
BEGIN
  LOOP
    EXIT WHEN EXISTS (SELECT 1 FROM pg_stat_replication WHERE application_name = ${lit(member.name)} AND state = 'streaming');
    IF clock_timestamp() > deadline THEN RAISE EXCEPTION 'replicadesk: not streaming'; END IF;
    PERFORM pg_sleep(0.01);
  END LOOP;
END $rd$`

  const streaming: Step<AddReplicaParams> = {
    id: 'streaming',
    title: `Wait until ${member.name} streams`,
    hosts: [member.host],
    plan: () => {
      const up = memo.primary?.member ?? c.members.find((m) => m.name !== member.name)!
      return [nodeOf(up).planned(nodeOf(up).psql([waitSql(p.streamTimeoutMs)], 'waits on pg_stat_replication')), R.planned(R.psql([createSlotSql(otherSlots(), false)], 'slots it needs if it becomes primary'))]
    },
    async check() {
      if (memo.fresh) return false
      const up = await primary()
      const [s, slots] = await Promise.all([nodeOf(up.member).json(streamingQuery, z.object({ streaming: z.boolean() })), R.json(`SELECT coalesce(json_agg(slot_name), '[]') FROM pg_replication_slots`, z.array(z.string()))])
      return s.streaming && otherSlots().every((x) => slots.includes(x))
    },
    async run(_ctx, report) {
      const up = await primary()
      const [out] = await Promise.all([
        // The primary's state right after: what the sync step decides on (no second round trip).
        nodeOf(up.member)
          .sql([waitSql(p.streamTimeoutMs), factsQuery(role)], { timeoutMs: p.streamTimeoutMs + 30_000 })
          .catch((err: unknown) => {
            if (err instanceof AppError && /replicadesk: not streaming/.test(err.message)) {
              throw pgError('not_streaming', `${member.name} on ${member.host} started but did not stream from ${up.member.name} within ${Math.round(p.streamTimeoutMs / 1000)} s. Look at its log on ${member.host}; when it is fixed, resume the operation.`, { host: member.host })
            }
            throw err
          }),
        R.sql([createSlotSql(otherSlots(), false)]),
      ])
      const after = pgFacts.safeParse(JSON.parse(out.trim().split('\n').at(-1) ?? 'null'))
      if (after.success && memo.standbysSynced) {
        const now: Up = { member: up.member, facts: after.data }
        memo.sync = { up: now, standbys: [], streamingNames: after.data.senders.filter((s) => s.state === 'streaming').map((s) => s.name), wantPrimary: syncNames(c, up.member.name) }
      }
      report({ message: `${member.name} streams from ${up.member.name}` })
    },
  }

  // ---- sync -------------------------------------------------------------------------------
  async function syncState(exclude: readonly string[]): Promise<SyncState> {
    const up = await locate()
    const standbys = memo.facts!.filter((f): f is Up => 'facts' in f && f.member.name !== up.member.name)
    const streamingNames = up.facts.senders.filter((s) => s.state === 'streaming').map((s) => s.name)
    const wantPrimary = syncNames(c, up.member.name, exclude)
    return { up, standbys, streamingNames, wantPrimary }
  }

  const sync: Step<AddReplicaParams> = {
    id: 'sync',
    title: 'Apply synchronous_standby_names',
    hosts: c.members.map((m) => m.host),
    plan: () =>
      c.members
        .filter((m) => m.name !== member.name)
        .map((m) => nodeOf(m).planned(nodeOf(m).psql([alterSystem('synchronous_standby_names', syncNames(c, m.name)), 'SELECT pg_reload_conf()'], 'on the primary only once the named standbys stream'))),
    async check() {
      const s = (memo.sync ??= await syncState([]))
      const primaryOk = s.up.facts.syncNames === s.wantPrimary || !satisfiable(s.wantPrimary, s.streamingNames)
      return primaryOk && s.standbys.every((f) => f.facts.syncNames === syncNames(c, f.member.name))
    },
    async run(_ctx, report) {
      const s = memo.sync ?? (await syncState([]))
      memo.sync = undefined
      await Promise.all(s.standbys.filter((f) => f.facts.syncNames !== syncNames(c, f.member.name)).map((f) => nodeOf(f.member).sql([alterSystem('synchronous_standby_names', syncNames(c, f.member.name)), 'SELECT pg_reload_conf()'])))
      if (s.up.facts.syncNames === s.wantPrimary) return report({ message: `synchronous_standby_names = '${s.wantPrimary}'` })
      if (!satisfiable(s.wantPrimary, s.streamingNames)) {
        return report({ message: `synchronous_standby_names not applied on ${s.up.member.name}: '${s.wantPrimary}' needs more synchronous standbys streaming than now (${s.streamingNames.join(', ') || 'none'}); writes would wait for ever` })
      }
      await nodeOf(s.up.member).sql([alterSystem('synchronous_standby_names', s.wantPrimary), 'SELECT pg_reload_conf()'])
      report({ message: `synchronous_standby_names = '${s.wantPrimary}' on ${s.up.member.name}` })
    },
    async undo() {
      const s = await syncState([member.name])
      const value = degradedSyncValue(c, s.wantPrimary, s.streamingNames.filter((n) => n !== member.name))
      const sets = [
        ...(s.up.facts.syncNames !== value ? [nodeOf(s.up.member).sql([alterSystem('synchronous_standby_names', value), 'SELECT pg_reload_conf()'])] : []),
        ...s.standbys.filter((f) => f.member.name !== member.name).map((f) => nodeOf(f.member).sql([alterSystem('synchronous_standby_names', syncNames(c, f.member.name, [member.name])), 'SELECT pg_reload_conf()'])),
      ]
      await Promise.all(sets)
    },
  }

  return [preflight, prepare, baseBackup, start, streaming, sync]
}

