// preflight: the new member's host (version, data dir, disk, port, reach) and the primary.
// Changes nothing, so it runs on every attempt. Hands along what later steps of this attempt
// start from: the primary located (Located), the host's probe and the cluster's system
// identifier (Preflighted), and the members' files read beside the probe (Files, for
// prepare's check right after: nothing runs between them).
import type { Step } from '../../../operations'
import type { AddReplicaParams } from '../add-replica'
import { readState, readStateCommand } from '../access'
import { checkDataDir, clusterSysid, guardCommand, judgeNewDataDir, planDeletionNote, refuseRunningOnTarget } from '../data-dir-guard'
import { pgError } from '../errors'
import { factsQuery } from '../facts'
import { hbaFile } from '../model'
import { checkNewMember, neededBytes, probe, probeCommand } from '../probe'
import { hbaPathOf, locate, newHbaPath, type AddReplicaHandoffs, type AddReplicaOp, type Up } from './context'

export function preflightStep(op: AddReplicaOp, h: AddReplicaHandoffs): Step<AddReplicaParams> {
  const { p, c, major, member, R, others, all, role, prot } = op
  return {
    id: 'preflight',
    title: `Check ${member.host} and the cluster`,
    hosts: all.map((n) => n.host),
    plan: async () => [
      R.planned(probeCommand(R, others.map((n) => n.member))),
      { ...R.planned(guardCommand(R, member.dataDir, 'none', prot)), ...(p.overwrite && { note: await planDeletionNote(R, member.dataDir, prot, others, p.overwriteUnrelated, c.id) }) },
      ...others.map((n) => n.planned(n.psql([factsQuery(role)], 'reads role, version, settings, slots and size'))),
      ...all.map((n) => n.planned(readStateCommand(n, n === R ? newHbaPath(op) : hbaFile(n.member, major), n === R))),
    ],
    // Pre-flight changes nothing, so there is nothing to find already done: it runs every time.
    check: async () => false,
    async run(ctx, report) {
      // The files prepare needs are read now too, where the model says they are (checked below).
      const [probed, at, states, newState, guarded] = await Promise.all([
        probe(R, others.map((n) => n.member)),
        locate(op),
        Promise.all(others.map((n) => readState(n, hbaFile(n.member, major)))),
        readState(R, newHbaPath(op), true),
        checkDataDir(R, member.dataDir, 'none', prot, true),
      ])
      h.located.put(ctx, at)
      const down = at.facts.filter((f) => 'error' in f)
      if (down.length) {
        const names = down.map((d) => `${d.member.name} on ${d.member.host}`).join(', ')
        throw pgError('cluster_state', `${names} ${down.length > 1 ? 'are' : 'is'} not running. Adding a member changes pg_hba.conf, passwords and slots on every member: start ${down.length > 1 ? 'them' : 'it'}, or remove ${down.length > 1 ? 'them' : 'it'} from the cluster first.`, { down: down.map((d) => d.member.name) })
      }
      const { up } = at
      const f = up.facts
      const ours = probed.claim?.operation === ctx.operationId
      const sysid = await clusterSysid(op.nodeOf(up.member))
      judgeNewDataDir({ host: member.host, target: member.dataDir, answer: guarded, ours, overwrite: p.overwrite, unrelated: p.overwriteUnrelated, sysid, clusterId: c.id, member: member.name })
      const verdict = checkNewMember({
        member,
        major,
        probe: probed,
        operationId: ctx.operationId,
        overwrite: p.overwrite,
        needBytes: neededBytes(f.sizeBytes, p.diskMarginBytes),
        source: { name: up.member.name, host: up.member.host, address: up.member.address, port: up.member.port },
      })
      refuseRunningOnTarget(member.host, member.dataDir, guarded, ours)
      checkSource(op, up, ours)
      if (verdict.needsRoot) await R.run(R.root(['true']), { timeoutMs: 10_000 }) // sudo -n works (or ssh_sudo_password)
      h.preflighted.put(ctx, { probe: probed, needsRoot: verdict.needsRoot, sysid })
      // Where the members' pg_hba.conf really is differs from the model: prepare reads it there.
      if (states.every((s) => s.hbaPath === hbaPathOf(op, at.facts, s.node))) h.files.put(ctx, { states, newState })
      report({ message: `Primary is ${up.member.name} on ${up.member.host} (PostgreSQL ${f.version}); ${member.host} is ready` })
    },
  }
}

/** The primary can serve a new standby. `ours`: the new member's data dir is this operation's (a resume): its slot and stream are ours too. */
function checkSource(op: AddReplicaOp, up: Up, ours: boolean): void {
  const { member, role, slot } = op
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
