// Removing a standby, as journaled steps:
//   preflight  locate the primary; refuse to remove it
//   sync       synchronous_standby_names without the member, first, so that no write waits
//              for a standby that is going away
//   stop       the member
//   slots      its slot dropped on every other member
//   access     its addresses out of the pg_hba blocks, its pgpass lines out, everywhere
//   delete     (only when confirmed) its data dir (Debian: pg_dropcluster)
import { z } from 'zod'
import { AppError } from '../../../../shared/errors'
import type { Step } from '../../operations'
import type { HostExec } from '../host-exec'
import { accessChange, accessPlan, applyAccess, clusterHbaBlock, hbaUpToDate, pgpassEntries, pgpassUpToDate, readState } from './access'
import { alterSystem, dropSlotSql, dropSlotWhenFree } from './statements'
import { claimKey } from './claims'
import { checkDataDir, explainGuardFailure, GUARD_FN, GUARDED_EXEC, guardRefusal, knownDataDir, protectedDirs } from './data-dir-guard'
import { pgError } from './errors'
import { factsQuery, locatePrimary, readFacts, type MemberFacts, type PgFacts } from './facts'
import { execTimeoutMs, isRunning, START_TIMEOUT_S, stopCommand } from './instance'
import { debianConfDir, hbaFile, memberName, memberOf, pgCluster, slotName, type PgMember } from './model'
import { PgNode, type Command, memberNodes } from './node'
import { lit } from './sql'
import { degradedSyncValue, syncNames } from './sync'

export const removeReplicaParams = z
  .object({
    cluster: pgCluster,
    member: memberName,
    /** The user confirmed that the member's data dir is deleted. */
    deleteData: z.boolean().default(false),
    /** Data dirs of the members of the other cluster records (the guard keeps away from those on this host). */
    knownDataDirs: z.array(knownDataDir).default([]),
  })
  .superRefine((p, ctx) => {
    if (!p.cluster.members.some((m) => m.name === p.member)) ctx.addIssue({ code: 'custom', message: `The cluster has no member named ${p.member}`, path: ['member'] })
    if (p.cluster.members.length < 2) ctx.addIssue({ code: 'custom', message: 'The cluster must keep its primary', path: ['cluster', 'members'] })
  })
export type RemoveReplicaParams = z.output<typeof removeReplicaParams>

type Up = { member: PgMember; facts: PgFacts }

/** The data dir and its claim go, after the data-dir guard (exit 4: refused). Args: DATADIR KEY PROTECTED. */
export const DELETE = String.raw`set -eu
d=$1 key=$2 prot=$3
${GUARD_FN}
if [ -e "$d" ] || [ -L "$d" ]; then rd_guard step "$d" - any "$prot" >&2 || exit $?; fi
rm -f -- "$HOME/.replicadesk/claims/$key"
[ -e "$d" ] || exit 0
rm -rf --one-file-system -- "$d" 2>/dev/null || find "$d" -xdev -mindepth 1 -delete`

export function buildRemoveReplica(hosts: HostExec, p: RemoveReplicaParams): Step<RemoveReplicaParams>[] {
  const c = p.cluster
  const major = c.major
  const member = memberOf(c, p.member)
  const { node, R, others, nodeOf } = memberNodes(hosts, c, member.name)
  const slot = slotName(member.name)
  const role = c.replicationRole
  const remaining = others.map((n) => n.member)
  const memo: { facts?: MemberFacts[]; primary?: Up } = {}
  const prot = protectedDirs(member, c.members, p.knownDataDirs)

  async function locate(): Promise<Up> {
    memo.facts = await Promise.all(others.map((n) => readFacts(n, role)))
    return (memo.primary = locatePrimary(c, memo.facts))
  }
  const standbysUp = () => memo.facts!.filter((f): f is Up => 'facts' in f && f.member.name !== memo.primary!.member.name)
  const hbaPathOf = (n: PgNode) => {
    const f = memo.facts?.find((x) => x.member.name === n.name)
    return f && 'facts' in f ? f.facts.hbaFile : hbaFile(n.member, major)
  }

  const preflight: Step<RemoveReplicaParams> = {
    id: 'preflight',
    title: `Check that ${member.name} is not the primary`,
    hosts: c.members.map((m) => m.host),
    plan: () => c.members.map((m) => node(m).planned(node(m).psql([factsQuery(role)], 'reads role and settings'))),
    check: async () => false,
    async run(_ctx, report) {
      const [own, up, guarded] = await Promise.all([readFacts(R, role), locate(), p.deleteData ? checkDataDir(R, member.dataDir, 'any', prot, true) : undefined])
      // Told now, before anything stops: the delete step asks the same guard again on the server.
      if (guarded?.verdict === 4 && guarded.refusal) throw guardRefusal(member.host, member.dataDir, guarded.refusal, 'delete', true)
      if ('facts' in own && !own.facts.inRecovery) {
        throw pgError('preflight_failed', `${member.name} on ${member.host} is the primary. Switch over to another member first, then remove it.`, { host: member.host, check: 'role' })
      }
      report({ message: `Primary is ${up.member.name}; ${member.name} is ${'facts' in own ? 'a standby' : 'not running'}` })
    },
  }

  const wantPrimary = (up: Up) => degradedSyncValue(c, syncNames(c, up.member.name, [member.name]), up.facts.senders.filter((s) => s.state === 'streaming' && s.name !== member.name).map((s) => s.name))
  const sync: Step<RemoveReplicaParams> = {
    id: 'sync',
    title: `synchronous_standby_names without ${member.name}`,
    hosts: remaining.map((m) => m.host),
    plan: () => remaining.map((m) => nodeOf(m).planned(nodeOf(m).psql([alterSystem('synchronous_standby_names', syncNames(c, m.name, [member.name])), 'SELECT pg_reload_conf()']))),
    async check() {
      const up = await locate()
      return up.facts.syncNames === wantPrimary(up) && standbysUp().every((f) => f.facts.syncNames === syncNames(c, f.member.name, [member.name]))
    },
    async run(_ctx, report) {
      const up = memo.primary ?? (await locate())
      const value = wantPrimary(up)
      await Promise.all([
        up.facts.syncNames !== value && nodeOf(up.member).sql([alterSystem('synchronous_standby_names', value), 'SELECT pg_reload_conf()']),
        ...standbysUp().map((f) => nodeOf(f.member).sql([alterSystem('synchronous_standby_names', syncNames(c, f.member.name, [member.name])), 'SELECT pg_reload_conf()'])),
      ])
      report({ message: `synchronous_standby_names = '${value}' on ${up.member.name}` })
    },
  }

  const stop: Step<RemoveReplicaParams> = {
    id: 'stop',
    title: `Stop ${member.name}`,
    hosts: [member.host],
    plan: () => [R.planned(stopCommand(R))],
    check: async () => !(await isRunning(R)),
    async run() {
      await R.run(stopCommand(R), { timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
    },
  }

  const slots: Step<RemoveReplicaParams> = {
    id: 'slots',
    title: `Drop the slot ${slot} everywhere`,
    hosts: remaining.map((m) => m.host),
    plan: () => remaining.map((m) => nodeOf(m).planned(nodeOf(m).psql([dropSlotSql(slot)]))),
    async check() {
      const found = await Promise.all(others.map((n) => n.json(`SELECT json_build_object('n', count(*)) FROM pg_replication_slots WHERE slot_name = ${lit(slot)}`, z.object({ n: z.number() }))))
      return found.every((f) => f.n === 0)
    },
    async run() {
      await Promise.all(others.map((n) => dropSlotWhenFree(n, slot)))
    },
  }

  const entriesLeft = pgpassEntries(remaining)
  const removedEntries = pgpassEntries([member]).filter((e) => !entriesLeft.some((x) => x.host === e.host && x.port === e.port))
  const readAll = async () => {
    if (!memo.facts) await locate()
    return Promise.all([Promise.all(others.map((n) => readState(n, hbaPathOf(n)))), readState(R, undefined, true)])
  }
  const access: Step<RemoveReplicaParams> = {
    id: 'access',
    title: `Take ${member.name} out of pg_hba.conf and the passfiles`,
    hosts: c.members.map((m) => m.host),
    plan: () => accessPlan([...others.map((n) => ({ node: n, hbaPath: hbaFile(n.member, major), reload: true })), { node: R, reload: false }]),
    async check() {
      const [states, own] = await readAll()
      const block = clusterHbaBlock(c, states)
      const shared = others.some((o) => o.host === R.host)
      return states.every((s) => hbaUpToDate(s, block) && pgpassUpToDate(s, role, [], removedEntries)) && (shared || pgpassUpToDate(own, role, [], pgpassEntries(c.members))) && own.claim === undefined
    },
    async run() {
      const [states, own] = await readAll()
      const block = clusterHbaBlock(c, states)
      const shared = others.some((o) => o.host === R.host) // the passfile stays while another member lives there
      await Promise.all([
        ...states.map((s) => applyAccess(accessChange(s, c, block, undefined, [], removedEntries, true))),
        ...(shared ? [] : [applyAccess(accessChange(own, c, [], undefined, [], pgpassEntries(c.members), false))]),
        // The member is gone: its data dir is no operation's any more (an add may overwrite it when confirmed).
        R.run(R.pg(['sh', '-c', 'rm -f -- "$HOME/.replicadesk/claims/$1"', 'sh', claimKey(member.dataDir)])),
      ])
    },
  }

  // As root where possible: the data dir's parent is often root's (e.g. /srv).
  const deleteCommand = (): Command => {
    const argv = member.layout === 'debian' ? ['sh', '-c', GUARDED_EXEC, 'sh', member.dataDir, prot, 'pg_dropcluster', major, member.debianName] : ['sh', '-c', DELETE, 'sh', member.dataDir, claimKey(member.dataDir), prot]
    return member.access === 'sudo' ? R.root(argv) : R.pg(argv)
  }
  const del: Step<RemoveReplicaParams> = {
    id: 'delete-data',
    title: `Delete ${member.dataDir} on ${member.host}`,
    hosts: [member.host],
    plan: () => [R.planned(deleteCommand())],
    async check() {
      const r = await R.run(R.pg(['sh', '-c', 'for p; do [ -e "$p" ] && echo "$p"; done; exit 0', 'sh', member.dataDir, ...(member.layout === 'debian' ? [debianConfDir(member, major)] : [])]))
      return r.stdout.trim() === ''
    },
    async run() {
      if (await isRunning(R)) throw pgError('cluster_state', `${member.name} on ${member.host} runs again; ReplicaDesk will not delete the data dir of a running server.`, { host: member.host })
      try {
        await R.run(deleteCommand(), { timeoutMs: 600_000 })
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

  return [preflight, sync, stop, slots, access, ...(p.deleteData ? [del] : [])]
}
