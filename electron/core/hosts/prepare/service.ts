// host prepare and host clean: the checks of what a login can do (with the line to add for
// each missing thing), PostgreSQL installed and the login's sudo rule written as journaled
// operations (on the core's one runner: kinds.ts), and the removal of what ReplicaDesk put on a host.
import { AppError } from '../../../../shared/errors'
import type { PgCluster } from '../../../../shared/postgres'
import type { HostCleanResult, PrepareReport } from '../../../../shared/prepare'
import type { OperationStartResult } from '../../../../shared/operations'
import type { ParsedInputOf } from '../../../../shared/contract'
import type { HostExec } from '../../engines/host-exec'
import { formatDownload, parseSize, SIZE_SCRIPT, type InstallParams } from '../../engines/postgres/install'
import type { OperationDefinition, Operations } from '../../operations'
import type { SshService } from '../../ssh'
import type { HostsStore } from '../hosts-store'
import { targetOf } from '../targets'
import { buildChecks, CHECK_SCRIPT, chooseMajor, installRule, parseFacts, prepareSudoersFile, reportOf, ruleCommands, ruleLines, visudo, type HostFacts } from './checks'
import { cleanPlan, planClean, runClean } from './clean'
import { hostOperationId, type HostSetupKinds } from './kinds'
import { probeReach, reachTargets } from './reach'
import { probeStreamLocal } from './stream-probe'

export interface HostSetupDeps {
  ssh: SshService
  hosts: HostsStore
  exec: HostExec
  clusters: { list(): Promise<PgCluster[]>; get(id: string): Promise<PgCluster> }
  /** The core's operations runner, with kinds.ts registered. */
  ops: Operations
  kinds: HostSetupKinds
  /** Keeps a started operation's end (closing the core waits for it). */
  track(finished: Promise<unknown>): void
}

const confirm = (what: string) => new AppError('confirmation_required', `Confirm to ${what}: look at the plan (--dry-run), then run again with --yes.`)

export function createHostSetup(d: HostSetupDeps) {
  const login = async (name: string) => (await d.hosts.get(name)).user

  async function facts(name: string, major: string, cluster?: string): Promise<{ facts: HostFacts; report: PrepareReport }> {
    const host = await d.hosts.get(name)
    const target = targetOf(host, await d.hosts.list())
    let out
    try {
      out = await d.exec.exec(name, ['sh', '-c', CHECK_SCRIPT, 'rd-prepare', major], { timeoutMs: 30_000, okExitCodes: Array.from({ length: 256 }, (_, i) => i) })
    } catch (err) {
      throw new AppError((err as AppError).code ?? 'command_failed', `Checking ${name} failed: ${(err as Error).message} Run \`replicadesk host test ${name}\` first.`, { host: name })
    }
    const f = parseFacts(out.stdout)
    const clusters = cluster ? [await d.clusters.get(cluster)] : await d.clusters.list().catch(() => [])
    const [stream, reach] = await Promise.all([probeStreamLocal(d.ssh, d.exec, name, target), probeReach(d.exec, name, reachTargets(clusters, name))])
    return { facts: f, report: reportOf(name, f, [...buildChecks(name, f, stream, chooseMajor(f, major)), reach]) }
  }

  async function installPlan(name: string, f: HostFacts, major: string): Promise<InstallParams> {
    if (!f.apt) throw new AppError('preflight_failed', `${name} has no apt-get (${f.osName || f.osId || 'unknown system'}), so ReplicaDesk cannot install PostgreSQL there. Install PostgreSQL ${major} with its package manager by hand (e.g. \`sudo dnf install postgresql-server\`), then \`replicadesk host prepare ${name}\` again.`, { host: name })
    if (!f.root && !f.aptRule) throw new AppError('preflight_failed', `${f.login} on ${name} may not run \`sudo -n apt-get install\`. ${visudo(name, prepareSudoersFile(f.login), installRule(f.login))}; or install by hand: sudo apt-get install -y postgresql-${major}. Nothing was changed.`, { host: name })
    if (f.offered.length && !f.offered.includes(major)) throw new AppError('preflight_failed', `The distribution on ${name} offers PostgreSQL ${f.offered.join(', ')}, not ${major}. Add the PostgreSQL apt repository (apt.postgresql.org) there, or choose one of those. Nothing was changed.`, { host: name })
    const main = await d.exec.exec(name, ['test', '-d', `/etc/postgresql/${major}/main`], { timeoutMs: 10_000, okExitCodes: [0, 1] })
    const size = await d.exec.exec(name, ['sh', '-c', SIZE_SCRIPT, 'rd-prepare', `postgresql-${major}`], { timeoutMs: 60_000, okExitCodes: Array.from({ length: 256 }, (_, i) => i) }).catch(() => undefined)
    return { host: name, major, method: f.createclusterConf ? 'conf' : 'drop-main', mainExisted: main.exitCode === 0, access: f.login === 'postgres' ? 'postgres' : 'sudo', downloadBytes: size ? parseSize(size.stdout) : null }
  }

  /** Dry run: the plan; else the started operation (confirmed first). */
  async function launch(input: { dryRun: boolean; yes: boolean }, def: OperationDefinition<unknown>, what: string, title = (t: string) => t): Promise<OperationStartResult> {
    if (input.dryRun) {
      const plan = await d.ops.plan(def)
      return { dryRun: true, plan: { ...plan, title: title(plan.title) } }
    }
    if (!input.yes) throw confirm(what)
    const started = await d.ops.start(def)
    d.track(started.finished.catch(() => undefined))
    return { dryRun: false, operation: started.operation }
  }

  function sudoRuleDef(name: string, f: HostFacts, major: string) {
    const file = prepareSudoersFile(f.login)
    if (f.login === 'root') throw new AppError('preflight_failed', `${name}: the login is root, which needs no sudo rule. Nothing was changed.`, { host: name })
    if (!f.root) throw new AppError('preflight_failed', `${f.login} on ${name} may not run sudo -n as root, so ReplicaDesk cannot write its rule. On ${name} run \`sudo visudo -f ${file}\` and add: ${ruleLines(f).join(' / ')}. Nothing was changed.`, { host: name })
    return d.kinds.sudoRule.create({ clusterId: hostOperationId(name), params: { host: name, login: f.login, file, lines: ruleLines(f), allowed: ruleCommands(f, major) }, members: [name] })
  }

  return {
    async prepare(input: ParsedInputOf<'host.prepare'>): Promise<PrepareReport | OperationStartResult> {
      if (input.install && input.sudoRule) throw new AppError('invalid_input', 'One at a time: --install or --sudo-rule (write the rule first when the install needs it).')
      const clusterMajor = input.cluster ? (await d.clusters.get(input.cluster)).major : undefined
      const asked = input.version ?? clusterMajor
      const first = await facts(input.name, asked ?? '15', input.cluster)
      const major = chooseMajor(first.facts, asked)
      if (input.sudoRule) return launch(input, sudoRuleDef(input.name, first.facts, major ?? '15'), `write the sudo rule for ${first.facts.login} on ${input.name}`)
      if (!input.install) return first.report
      if (!major) throw new AppError('preflight_failed', `apt on ${input.name} knows no postgresql-NN package. Run \`sudo apt-get update\` there, or name the version (--version 15). Nothing was changed.`, { host: input.name })
      const params = await installPlan(input.name, first.facts, major)
      const def = d.kinds.install.create({ clusterId: hostOperationId(input.name), params, members: [input.name] })
      const how = params.method === 'conf' ? 'no main cluster: createcluster.conf written before the install' : 'no main cluster: postgresql-common is not there yet, so the main cluster the install makes is removed right after when it is empty'
      return launch(input, def, `install PostgreSQL ${major} on ${input.name}`, (t) => `${t} (${formatDownload(params.downloadBytes)}; ${how})`)
    },

    /** The checks alone (host test shows them too). */
    checks: async (name: string) => (await facts(name, '15')).report,

    async clean(input: ParsedInputOf<'host.clean'>): Promise<HostCleanResult> {
      const deps = { exec: d.exec, clusters: () => d.clusters.list(), journaled: async () => (await d.ops.listOperations()).map((o) => o.params) }
      const { removals, left } = await planClean(deps, input.name, await login(input.name))
      if (input.dryRun) return cleanPlan(input.name, removals, left)
      if (removals.length && !input.yes) throw confirm(`remove what ReplicaDesk put on ${input.name}`)
      return runClean(deps, input.name, removals, left)
    },
  }
}

export type HostSetup = ReturnType<typeof createHostSetup>
