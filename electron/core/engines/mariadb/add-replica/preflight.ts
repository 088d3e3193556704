// preflight: the new member's host (tools and version, disk for the copy, port free, datadir
// empty or absent behind the guard, the primary reachable from there) and the primary (found
// on the servers: running, binary log on, ROW, GTID; server_id unique; mariadb-backup there;
// the replication password kept there). Changes nothing, so it runs on every attempt. A resume
// (the datadir claimed by this operation) accepts what the operation made itself: its own
// half-made copy, its own server on the port.
import type { Step } from '../../../operations'
import { mariaError } from '../errors'
import { isRunning } from '../instance'
import { who } from '../model'
import type { MariaNode } from '../node'
import { readPassword } from '../access'
import { copySizeOf } from '../copy'
import { type AddReplicaOp, copyStateCommand, locate, ours, plannedPrimary, readCopyState } from './context'
import { checkDataDir, guardCommand, judgeNewDataDir } from './data-dir-guard'
import { factsCommand, majorMinor, type Answered } from './facts'
import { allowOf, type AddReplicaParams } from './params'
import { PROBE } from './scripts'

export interface Probe {
  free: number | null
  portFree: boolean
  tools: Record<string, boolean>
  version: string
  reach: boolean
}

export function parseProbe(out: string): Probe {
  const p: Probe = { free: null, portFree: true, tools: {}, version: '', reach: false }
  for (const line of out.split('\n')) {
    const [tag, a, b] = line.trim().split(/\s+/)
    if (tag === 'free' && a && /^\d+$/.test(a)) p.free = Number(a)
    else if (tag === 'port') p.portFree = a !== 'busy'
    else if (tag === 'tool' && a) p.tools[a] = b === 'yes'
    else if (tag === 'version') p.version = a ?? ''
    else if (tag === 'reach') p.reach = a === 'open'
  }
  return p
}

const probeCommand = (op: AddReplicaOp, up: { address: string; port: number }) => op.R.root(['sh', '-c', PROBE, 'sh', op.member.dataDir, String(op.member.port), up.address, String(up.port)], 'free disk, the port, the tools, the primary reachable from here')
const backupVersionCommand = (n: MariaNode) => n.mysql(['sh', '-c', 'mariadb-backup --version 2>&1; exit 0'], 'mariadb-backup is there, of the server version')

/** Free disk asked for: the copy plus a margin (10 %, at least 64 MB). */
export const neededBytes = (size: number, margin?: number) => size + (margin ?? Math.max(64 * 1024 * 1024, Math.round(size * 0.1)))

export function preflightStep(op: AddReplicaOp): Step<AddReplicaParams> {
  const { p, c, member, R, prot } = op
  const fail = (check: string, message: string, host = member.host): never => {
    throw mariaError('preflight_failed', message, { host, check })
  }
  return {
    id: 'preflight',
    title: `Check ${member.host} and the cluster`,
    hosts: c.members.map((m) => m.host),
    plan: () => {
      const up = plannedPrimary(op)
      return [
        ...op.others.map((n) => n.planned(factsCommand(n))),
        R.planned(probeCommand(op, up.member)),
        R.planned(guardCommand(R, member.dataDir, allowOf(p), prot)),
        R.planned(copyStateCommand(op)),
        up.planned(backupVersionCommand(up)),
      ]
    },
    // Pre-flight changes nothing, so there is nothing to find already done: it runs every time.
    check: async () => false,
    async run(ctx, report) {
      const state = await readCopyState(op)
      const own = ours(state, ctx.operationId)
      // check-own on a resume: a server running on the datadir is reported, then judged (its own only).
      const [at, guarded] = await Promise.all([locate(op), checkDataDir(R, member.dataDir, allowOf(p), prot, own)])
      const { up, primary } = at
      const [probe, backup, size, password, running] = await Promise.all([
        R.run(probeCommand(op, up.member)).then((r) => parseProbe(r.stdout)),
        primary.run(backupVersionCommand(primary)).then((r) => r.stdout),
        copySizeOf(primary),
        readPassword(primary, c),
        own ? isRunning(R) : Promise.resolve(false),
      ])
      judgeNewDataDir({ host: member.host, target: member.dataDir, answer: guarded, ours: own, overwrite: p.overwrite && p.overwriteUnrelated, member: member.name })
      checkPrimary(op, up, backup, password !== undefined, fail)
      for (const tool of ['mariadbd', 'mariadb-backup', 'mbstream', 'mariadb']) {
        if (!probe.tools[tool]) fail('tools', `${member.host} has no ${tool}. Install mariadb-server, mariadb-backup and mariadb-client there (Debian: sudo apt-get install mariadb-server mariadb-backup mariadb-client), then try again.`)
      }
      if (majorMinor(probe.version) !== majorMinor(up.facts.version)) {
        throw mariaError('version_mismatch', `${member.host} has MariaDB ${probe.version || 'unknown'}, the primary ${who(up.member)} runs ${up.facts.version}. A replica needs the same major version (${majorMinor(up.facts.version)}): install it on ${member.host}.`, { host: member.host, check: 'version' })
      }
      if (!probe.portFree && !(own && running)) fail('port', `Port ${member.port} on ${member.host} is in use. Pick another port for ${member.name}, or stop what listens there.`)
      if (!(own && state.copied === ctx.operationId) && probe.free !== null && probe.free < neededBytes(size, p.diskMarginBytes)) {
        fail('disk', `${member.host} has ${mb(probe.free)} free where ${member.dataDir} goes; the copy of ${who(up.member)} needs about ${mb(neededBytes(size, p.diskMarginBytes))} (its datadir, ${mb(size)}, and a margin). Free space there or pick another directory.`)
      }
      if (!probe.reach) fail('reach', `${member.host} cannot reach the primary ${who(up.member)} at ${up.member.address}:${up.member.port}: the replica would not connect. Check bind-address on the primary and any firewall between them.`)
      const clash = at.reads.find((r) => 'facts' in r && r.facts.serverId === member.serverId)
      if (clash) fail('server_id', `${who(clash.member)} already runs with server_id ${member.serverId}; ${member.name} needs one of its own. Pick another server_id for it.`, clash.member.host)
      report({ message: `Primary is ${who(up.member)} (MariaDB ${up.facts.version}, ${mb(size)} to copy); ${member.host} is ready` })
    },
  }
}

/** The primary can serve a copy and a new replica. */
function checkPrimary(op: AddReplicaOp, up: Answered, backupVersion: string, hasPassword: boolean, fail: (check: string, message: string, host?: string) => never): void {
  const f = up.facts
  const at = who(up.member)
  const host = up.member.host
  if (!f.logBin) fail('log_bin', `${at} runs without a binary log; a replica needs one (log_bin). Adopt the cluster again (it sets it, with a restart).`, host)
  if (f.binlogFormat.toUpperCase() !== 'ROW') fail('binlog_format', `${at} has binlog_format = ${f.binlogFormat}; ReplicaDesk's replicas need ROW. Adopt the cluster again (it sets it).`, host)
  const bv = /based on MariaDB server (\d+\.\d+)/.exec(backupVersion)?.[1]
  if (!bv) fail('tools', `${host} has no mariadb-backup (it makes the copy there). Install mariadb-backup on ${host} (Debian: sudo apt-get install mariadb-backup).`, host)
  if (bv !== majorMinor(f.version)) fail('tools', `mariadb-backup on ${host} is for MariaDB ${bv}, the server runs ${f.version}: install the mariadb-backup of the server's version.`, host)
  if (!hasPassword) fail('password', `The replication password of cluster ${op.c.id} is not on ${host} (the mysql user's option file). Adopt the cluster again: it sets the replication user and its password on every member.`, host)
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 10e6 ? 1 : 0)} MB`
