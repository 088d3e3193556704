// host prepare and host clean: the checks of what a login can do (with the line to add for
// each missing thing), PostgreSQL installed as a journaled operation, and the removal of what
// ReplicaDesk put on a host. Host operations have their own operations runner: the lease of
// an install lives in the login's own ~/.replicadesk/leases (a bare box has no postgres user
// yet, and a login with a sudo rule limited to apt-get cannot write elsewhere).
import { AppError } from '../../../../shared/errors'
import type { PgCluster } from '../../../../shared/postgres'
import type { HostCleanResult, PrepareReport } from '../../../../shared/prepare'
import type { OperationStartResult } from '../../../../shared/operations'
import type { ParsedInputOf } from '../../../../shared/contract'
import type { CoreEvents } from '../../events'
import { remoteRunnerOf, type HostExec } from '../../engines/host-exec'
import { formatDownload, installKind, parseSize, SIZE_SCRIPT, type InstallParams } from '../../engines/postgres/install'
import { createOperations, loadInstanceId, type Operations } from '../../operations'
import type { SshService } from '../../ssh'
import type { HostsStore } from '../hosts-store'
import { targetOf } from '../targets'
import { buildChecks, CHECK_SCRIPT, chooseMajor, installRule, parseFacts, reportOf, visudo, PREPARE_SUDOERS_FILE, type HostFacts } from './checks'
import { cleanPlan, planClean, runClean } from './clean'
import { probeStreamLocal } from './stream-probe'

export interface HostSetupDeps {
  dataDir: string
  ssh: SshService
  hosts: HostsStore
  exec: HostExec
  clusters: { list(): Promise<PgCluster[]>; get(id: string): Promise<PgCluster> }
  events: CoreEvents
  /** Keeps a started operation's end (closing the core waits for it). */
  track(finished: Promise<unknown>): void
}

const confirm = (what: string) => new AppError('confirmation_required', `Confirm to ${what}: look at the plan (--dry-run), then run again with --yes.`)

export function createHostSetup(d: HostSetupDeps) {
  const kind = installKind(d.exec)
  let ops: Promise<Operations> | undefined
  const hostOps = () =>
    (ops ??= loadInstanceId(d.dataDir).then((instanceId) =>
      createOperations({
        dataDir: d.dataDir,
        instanceId,
        remote: remoteRunnerOf(d.exec),
        kinds: { [kind.kind]: kind.factory },
        lease: { root: '.replicadesk/leases' },
        emit: (e) => (e.type === 'progress' ? d.events.emit('operationProgress', { operationId: e.operationId, clusterId: e.clusterId, progress: e.progress }) : d.events.emit('operationChanged', { operation: e.operation })),
      }),
    ))
  const login = async (name: string) => (await d.hosts.get(name)).user

  async function facts(name: string, major: string): Promise<{ facts: HostFacts; report: PrepareReport }> {
    const host = await d.hosts.get(name)
    const target = targetOf(host, await d.hosts.list())
    let out
    try {
      out = await d.exec.exec(name, ['sh', '-c', CHECK_SCRIPT, 'rd-prepare', major], { timeoutMs: 30_000, okExitCodes: Array.from({ length: 256 }, (_, i) => i) })
    } catch (err) {
      throw new AppError((err as AppError).code ?? 'command_failed', `Checking ${name} failed: ${(err as Error).message} Run \`replicadesk host test ${name}\` first.`, { host: name })
    }
    const f = parseFacts(out.stdout)
    const stream = await probeStreamLocal(d.ssh, d.exec, name, target)
    return { facts: f, report: reportOf(name, f, buildChecks(name, f, stream, chooseMajor(f, major))) }
  }

  async function installPlan(name: string, f: HostFacts, major: string): Promise<InstallParams> {
    if (!f.apt) throw new AppError('preflight_failed', `${name} has no apt-get (${f.osName || f.osId || 'unknown system'}), so ReplicaDesk cannot install PostgreSQL there. Install PostgreSQL ${major} with its package manager by hand (e.g. \`sudo dnf install postgresql-server\`), then \`replicadesk host prepare ${name}\` again.`, { host: name })
    if (!f.root && !f.aptRule) throw new AppError('preflight_failed', `${f.login} on ${name} may not run \`sudo -n apt-get install\`. ${visudo(name, PREPARE_SUDOERS_FILE, installRule(f.login))}; or install by hand: sudo apt-get install -y postgresql-${major}. Nothing was changed.`, { host: name })
    if (f.offered.length && !f.offered.includes(major)) throw new AppError('preflight_failed', `The distribution on ${name} offers PostgreSQL ${f.offered.join(', ')}, not ${major}. Add the PostgreSQL apt repository (apt.postgresql.org) there, or choose one of those. Nothing was changed.`, { host: name })
    const main = await d.exec.exec(name, ['test', '-d', `/etc/postgresql/${major}/main`], { timeoutMs: 10_000, okExitCodes: [0, 1] })
    const size = await d.exec.exec(name, ['sh', '-c', SIZE_SCRIPT, 'rd-prepare', `postgresql-${major}`], { timeoutMs: 60_000, okExitCodes: Array.from({ length: 256 }, (_, i) => i) }).catch(() => undefined)
    return { host: name, major, method: f.createclusterConf ? 'conf' : 'drop-main', mainExisted: main.exitCode === 0, access: f.login === 'postgres' ? 'postgres' : 'sudo', downloadBytes: size ? parseSize(size.stdout) : null }
  }

  return {
    async prepare(input: ParsedInputOf<'host.prepare'>): Promise<PrepareReport | OperationStartResult> {
      const clusterMajor = input.cluster ? (await d.clusters.get(input.cluster)).major : undefined
      const asked = input.version ?? clusterMajor
      const first = await facts(input.name, asked ?? '15')
      if (!input.install) return first.report
      const major = chooseMajor(first.facts, asked)
      if (!major) throw new AppError('preflight_failed', `apt on ${input.name} knows no postgresql-NN package. Run \`sudo apt-get update\` there, or name the version (--version 15). Nothing was changed.`, { host: input.name })
      const params = await installPlan(input.name, first.facts, major)
      const def = kind.create({ clusterId: `host.${input.name}`.slice(0, 63), params, members: [input.name] })
      const runner = await hostOps()
      if (input.dryRun) {
        const plan = await runner.plan(def)
        return { dryRun: true, plan: { ...plan, title: `${plan.title} (${formatDownload(params.downloadBytes)}; ${params.method === 'conf' ? 'no main cluster: createcluster.conf written before the install' : "no main cluster: postgresql-common is not there yet, so the main cluster the install makes is removed right after when it is empty"})` } }
      }
      if (!input.yes) throw confirm(`install PostgreSQL ${major} on ${input.name}`)
      const started = await runner.start(def)
      d.track(started.finished.catch(() => undefined))
      return { dryRun: false, operation: started.operation }
    },

    async clean(input: ParsedInputOf<'host.clean'>): Promise<HostCleanResult> {
      const deps = { exec: d.exec, clusters: () => d.clusters.list(), journaled: async () => (await (await hostOps()).listOperations()).map((o) => o.params) }
      const { removals, left } = await planClean(deps, input.name, await login(input.name))
      if (input.dryRun) return cleanPlan(input.name, removals, left)
      if (removals.length && !input.yes) throw confirm(`remove what ReplicaDesk put on ${input.name}`)
      return runClean(deps, input.name, removals, left)
    },
  }
}

export type HostSetup = ReturnType<typeof createHostSetup>
