// One member as ReplicaDesk acts on it: commands run as the mysql user (`sudo -n -u mysql`
// from the admin login), as root (`sudo -n`: /etc/mysql files, systemctl, making a datadir),
// or as the login itself (the status login's own check), and the same commands described for
// dry-run plans. Every run is bounded (the SSH layer's `timeout`, default NODE_TIMEOUT_MS).
import type { StepCommand } from '../../operations'
import type { Arg, ExecOptions, ExecResult } from '../../ssh'
import type { HostExec } from '../host-exec'
import { memberOf, type MariaCluster, type MariaMember } from './model'

export type RunAs = 'mysql' | 'root' | 'login'

export interface Command {
  argv: readonly Arg[]
  runAs: RunAs
  note?: string
}

/** The bound of a command that does not say otherwise. */
export const NODE_TIMEOUT_MS = 30_000

export class MariaNode {
  constructor(
    readonly hosts: HostExec,
    readonly member: MariaMember,
  ) {}

  get host(): string {
    return this.member.host
  }
  get name(): string {
    return this.member.name
  }

  /** A command run as mysql, from / (a login's home may be unreadable to mysql). */
  mysql(argv: readonly Arg[], note?: string): Command {
    return { argv: ['env', '-C', '/', ...argv], runAs: 'mysql', note }
  }

  root(argv: readonly Arg[], note?: string): Command {
    return { argv, runAs: 'root', note }
  }

  login(argv: readonly Arg[], note?: string): Command {
    return { argv, runAs: 'login', note }
  }

  /** For plans: who runs it beyond the login user. */
  planned(c: Command): StepCommand {
    return { host: this.host, argv: c.argv, ...(c.runAs !== 'login' && { runAs: c.runAs }), ...(c.note && { note: c.note }) }
  }

  run(c: Command, opts: Omit<ExecOptions, 'sudo'> = {}): Promise<ExecResult> {
    const sudo = c.runAs === 'login' ? undefined : c.runAs === 'root' ? true : 'mysql'
    return this.hosts.exec(this.host, c.argv, { timeoutMs: NODE_TIMEOUT_MS, ...opts, sudo })
  }
}

/** The nodes an operation on one member works with: that member's and the others'. */
export function memberNodes(hosts: HostExec, c: MariaCluster, name: string) {
  const node = (m: MariaMember) => new MariaNode(hosts, m)
  const others = c.members.filter((m) => m.name !== name).map(node)
  return { node, R: node(memberOf(c, name)), others }
}
