// One member as ReplicaDesk acts on it: commands that run as the postgres user (directly, or
// through `sudo -n -u postgres` from an admin login) or as root (admin logins only), psql
// through the Unix socket, and the same commands described for dry-run plans.
import { z } from 'zod'
import { AppError } from '../../../../shared/errors'
import type { StepCommand } from '../../operations'
import type { Arg, ExecOptions, ExecResult } from '../../ssh'
import type { HostExec } from '../host-exec'
import { binDir, memberOf, type PgCluster, type PgMember } from './model'

export type RunAs = 'postgres' | 'root' | 'login'

export interface Command {
  argv: readonly Arg[]
  runAs: RunAs
  note?: string
}

export const PSQL_TIMEOUT_MS = 30_000

export class PgNode {
  constructor(
    readonly hosts: HostExec,
    readonly member: PgMember,
    readonly major: string,
  ) {}

  get host(): string {
    return this.member.host
  }
  get name(): string {
    return this.member.name
  }

  tool(name: string): string {
    return `${binDir(this.member, this.major)}/${name}`
  }

  /** A command run as postgres, from / (initdb and pg_ctl fail in an unreadable cwd). */
  pg(argv: readonly Arg[], note?: string): Command {
    return { argv: ['env', '-C', '/', ...argv], runAs: 'postgres', note }
  }

  root(argv: readonly Arg[], note?: string): Command {
    return { argv, runAs: 'root', note }
  }

  psqlArgv(statements: readonly Arg[]): Arg[] {
    const m = this.member
    return [this.tool('psql'), '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', m.socketDir, '-p', String(m.port), '-d', 'postgres', ...statements.flatMap((s) => ['-c', s])]
  }

  psql(statements: readonly Arg[], note?: string): Command {
    return this.pg(this.psqlArgv(statements), note)
  }

  private sudo(runAs: RunAs): ExecOptions['sudo'] {
    if (runAs === 'login') return undefined
    if (this.member.access === 'postgres') {
      if (runAs === 'root') throw new AppError('invalid_input', `${this.host}: this step needs root, but ReplicaDesk logs in as postgres there. Log in as an admin with sudo (access "sudo"), or prepare the directory yourself.`)
      return undefined
    }
    return runAs === 'root' ? true : 'postgres'
  }

  /** For plans: who runs it beyond the login user. */
  planned(c: Command): StepCommand {
    const runAs = c.runAs === 'login' ? undefined : this.member.access === 'sudo' ? c.runAs : undefined
    return { host: this.host, argv: c.argv, ...(runAs && { runAs }), ...(c.note && { note: c.note }) }
  }

  run(c: Command, opts: Omit<ExecOptions, 'sudo'> = {}): Promise<ExecResult> {
    return this.hosts.exec(this.host, c.argv, { timeoutMs: PSQL_TIMEOUT_MS, ...opts, sudo: this.sudo(c.runAs) })
  }

  async sql(statements: readonly Arg[], opts: Omit<ExecOptions, 'sudo'> = {}): Promise<string> {
    return (await this.run(this.psql(statements), opts)).stdout
  }

  /** One SELECT returning one json value. */
  async json<T>(query: string, schema: z.ZodType<T>): Promise<T> {
    const out = (await this.sql([query])).trim()
    let value: unknown
    try {
      value = JSON.parse(out.split('\n').at(-1) ?? '')
    } catch {
      throw new AppError('internal', `Unexpected answer from PostgreSQL on ${this.host}: ${out.slice(0, 200)}`)
    }
    const r = schema.safeParse(value)
    if (!r.success) throw new AppError('internal', `Unexpected answer from PostgreSQL on ${this.host}: ${r.error.issues[0]?.message ?? 'invalid'}`)
    return r.data
  }
}

/** The nodes an operation on one member works with: that member's (`R`) and the others'. */
export function memberNodes(hosts: HostExec, c: PgCluster, name: string) {
  const node = (m: PgMember) => new PgNode(hosts, m, c.major)
  const member = memberOf(c, name)
  const others = c.members.filter((m) => m.name !== name).map(node)
  return { node, R: node(member), others, nodeOf: (m: PgMember) => others.find((n) => n.name === m.name)! }
}
