// What every step of adding a replica works from (explicit inputs: the params, the nodes, the
// names derived from them) and the reads several steps make: the primary located now, and the
// new member's datadir as its host reports it (claim, copy, backup type, GTID position).
import { claimKeyOf } from './claims'
import type { HostExec, HostPipe } from '../../host-exec'
import { memberOf, type MariaCluster, type MariaMember } from '../model'
import { memberNodes, MariaNode } from '../node'
import { protectedDirs } from './data-dir-guard'
import { locatePrimary, readFacts, type Answered, type Read } from './facts'
import { COPY_STATE } from './scripts'
import type { AddReplicaParams } from './params'

export interface AddReplicaOp {
  p: AddReplicaParams
  c: MariaCluster
  hosts: HostExec & HostPipe
  /** The new member, its node, and the other members'. */
  member: MariaMember
  R: MariaNode
  others: MariaNode[]
  nodeOf: (m: MariaMember) => MariaNode
  /** The datadir's claim key. */
  key: string
  /** The datadirs the guard keeps away from on the new member's host. */
  prot: string
}

export function addReplicaOp(hosts: HostExec & HostPipe, p: AddReplicaParams): AddReplicaOp {
  const c = p.cluster
  const member = memberOf(c, p.member)
  const { node, R, others } = memberNodes(hosts, c, member.name)
  return { p, c, hosts, member, R, others, nodeOf: node, key: claimKeyOf(member.dataDir), prot: protectedDirs(member, c.members, p.knownDataDirs) }
}

export interface Located {
  up: Answered
  primary: MariaNode
  reads: Read[]
}

/** Reads every other member now and finds the primary among them. */
export async function locate(op: AddReplicaOp): Promise<Located> {
  const reads = await Promise.all(op.others.map((n) => readFacts(n)))
  const up = locatePrimary(op.c, reads)
  return { up, primary: new MariaNode(op.hosts, up.member), reads }
}

/** The primary to show in a plan (nothing is read for a plan): the first other member. */
export const plannedPrimary = (op: AddReplicaOp) => op.others[0]!

export interface CopyState {
  dir: boolean
  claim?: { operation: string; made: boolean }
  /** The operation whose copy finished into the datadir. */
  copied?: string
  /** xtrabackup_checkpoints' backup_type: full-backuped after the copy, log-applied after --prepare. */
  backup?: string
  /** The GTID position the backup recorded. */
  gtid?: string
}

export function parseCopyState(out: string): CopyState {
  const s: CopyState = { dir: false }
  const claim: Record<string, string> = {}
  for (const line of out.split('\n')) {
    if (line.startsWith('  ')) {
      const [k, ...v] = line.trim().split('=')
      if (k) claim[k] = v.join('=')
    } else if (line === 'dir') s.dir = true
    else if (line.startsWith('copied ')) s.copied = line.slice(7).trim()
    else if (line.startsWith('backup ')) s.backup = line.slice(7).trim()
    else if (line.startsWith('gtid ')) s.gtid = line.slice(5).trim()
  }
  if (claim.operation) s.claim = { operation: claim.operation, made: claim.made === 'yes' }
  return s
}

export const copyStateCommand = (op: AddReplicaOp) => op.R.root(['sh', '-c', COPY_STATE, 'sh', op.key, op.member.dataDir], "reads the datadir's claim and what the copy left there")

export async function readCopyState(op: AddReplicaOp): Promise<CopyState> {
  return parseCopyState((await op.R.run(copyStateCommand(op))).stdout)
}

/** The datadir is claimed by this operation. */
export const ours = (s: CopyState, opId: string) => s.claim?.operation === opId
