// Replication access across the members: the managed pg_hba.conf block and the postgres
// user's ~/.pgpass lines, read from each member and rewritten where they differ. The password
// only ever travels over stdin and lives in memory for the length of a step.
import { isIP } from 'node:net'
import type { StepCommand } from '../../operations'
import type { Arg } from '../../ssh'
import { claimKey, parseClaim, type Claim } from './claims'
import { currentHbaBlock, hbaBlock, hostAddresses, withHbaBlock } from './hba'
import type { PgCluster, PgMember } from './model'
import type { Command, PgNode } from './node'
import { mergePgpass, pgpassHosts, type PgpassEntry } from './pgpass'
import { boundary, parseState, PUT_FILE, READ_STATE } from './scripts'

export const PGPASS = '~/.pgpass'

export interface MemberState {
  node: PgNode
  addresses: string[]
  /** The SSH login user (a monitoring role of that name is made for admin logins). */
  login: string
  claim?: Claim
  hbaPath?: string
  /** undefined: the file does not exist. */
  hba?: string
  pgpass: string
}

export function readStateCommand(node: PgNode, hbaPath: string | undefined, withClaim: boolean, b = '@@rd@@'): Command {
  const files = [...(hbaPath ? [hbaPath] : []), PGPASS]
  return node.pg(['sh', '-c', READ_STATE, 'sh', b, withClaim ? claimKey(node.member.dataDir) : '-', ...files], 'reads only')
}

export async function readState(node: PgNode, hbaPath: string | undefined, withClaim = false): Promise<MemberState> {
  const b = boundary()
  const out = (await node.run(readStateCommand(node, hbaPath, withClaim, b))).stdout
  const s = parseState(out, b)
  return {
    node,
    addresses: hostAddresses(s.addrs),
    login: s.login,
    claim: parseClaim(s.claim),
    hbaPath,
    hba: hbaPath ? s.files.get(hbaPath) : undefined,
    pgpass: s.files.get(PGPASS) ?? '',
  }
}

/** Where every member reaches every other member (pgpass lines). */
export const pgpassEntries = (members: readonly PgMember[]): PgpassEntry[] => members.map((m) => ({ host: m.address, port: m.port }))

/** The hba block all `states` (the members that stay) must carry. */
export function clusterHbaBlock(cluster: PgCluster, states: readonly MemberState[]): string[] {
  const addresses = states.flatMap((s) => [...s.addresses, ...(isIP(s.node.member.address) ? [s.node.member.address] : [])])
  const monitorRoles = states.filter((s) => s.node.member.access === 'sudo' && s.login).map((s) => s.login)
  return hbaBlock({ replicationRole: cluster.replicationRole, addresses, monitorRoles })
}

export const hbaUpToDate = (s: MemberState, block: readonly string[]) => s.hba !== undefined && currentHbaBlock(s.hba).join('\n') === block.join('\n')

/** The member's pgpass has a line for each entry (the password is not compared). */
export function pgpassUpToDate(s: MemberState, role: string, entries: readonly PgpassEntry[], removed: readonly PgpassEntry[] = []): boolean {
  const have = new Set(pgpassHosts(s.pgpass, role))
  return entries.every((e) => have.has(`${e.host}:${e.port}`)) && removed.every((e) => !have.has(`${e.host}:${e.port}`))
}

export function putFileCommand(node: PgNode, path: string, mode: string, then: readonly Arg[] = [], note?: string): Command {
  return node.pg(['sh', '-c', PUT_FILE, 'sh', path, mode, ...then], note)
}

export interface AccessChange {
  node: PgNode
  hba?: { path: string; content: string; reload: boolean }
  pgpass?: string
}

/** What to write on one member so it carries `block` and the pgpass lines of `entries`. */
export function accessChange(s: MemberState, cluster: PgCluster, block: readonly string[], password: string | undefined, entries: readonly PgpassEntry[], removed: readonly PgpassEntry[], reload: boolean): AccessChange {
  const change: AccessChange = { node: s.node }
  if (s.hbaPath && s.hba !== undefined && !hbaUpToDate(s, block)) change.hba = { path: s.hbaPath, content: withHbaBlock(s.hba, block), reload }
  const role = cluster.replicationRole
  if (!pgpassUpToDate(s, role, entries, removed) && (password !== undefined || removed.length)) {
    change.pgpass = mergePgpass(s.pgpass, role, password, password === undefined ? [] : entries, removed)
  }
  return change
}

export function accessCommands(change: AccessChange): Command[] {
  const n = change.node
  const out: Command[] = []
  // pg_ctl reload: the same SIGHUP as pg_reload_conf(), without a database session.
  const reload = [n.tool('pg_ctl'), 'reload', '-s', '-D', n.member.dataDir]
  if (change.hba) out.push(putFileCommand(n, change.hba.path, '600', change.hba.reload ? reload : [], 'pg_hba.conf with the ReplicaDesk block (over stdin), then reload'))
  if (change.pgpass !== undefined) out.push(putFileCommand(n, PGPASS, '600', [], 'the replication password lines, over stdin'))
  return out
}

export async function applyAccess(change: AccessChange): Promise<void> {
  const n = change.node
  const [hba, pgpass] = [change.hba ? accessCommands({ node: n, hba: change.hba })[0] : undefined, change.pgpass !== undefined ? accessCommands({ node: n, pgpass: change.pgpass })[0] : undefined]
  await Promise.all([hba && n.run(hba, { stdin: change.hba!.content }), pgpass && n.run(pgpass, { stdin: change.pgpass })])
}

/** Plan lines for the access part of a step on these members. */
export function accessPlan(nodes: readonly { node: PgNode; hbaPath?: string; reload: boolean }[]): StepCommand[] {
  return nodes.flatMap(({ node, hbaPath, reload }) =>
    accessCommands({ node, ...(hbaPath && { hba: { path: hbaPath, content: '', reload } }), pgpass: '' }).map((c) => node.planned(c)),
  )
}
