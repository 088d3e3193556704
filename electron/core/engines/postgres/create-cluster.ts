// Creating a cluster, as journaled steps. Two ways in:
//   init:  preflight → init (initdb / pg_createcluster with data checksums, settings, pg_hba
//          block) → start → access
//   adopt: preflight (the running primary) → settings (ALTER SYSTEM where too low) →
//          restart (only when a changed setting needs it) → access
// access: the replication role with a password ReplicaDesk generates (SCRAM verifier sent,
// password itself only in postgres' ~/.pgpass, over stdin), monitoring roles for admin logins
// (pg_monitor, peer over the Unix socket), the pg_hba block, then a real replication login.
import { z } from 'zod'
import type { Step } from '../../operations'
import { secret } from '../../ssh'
import type { HostExec } from '../host-exec'
import { accessChange, accessPlan, applyAccess, clusterHbaBlock, hbaUpToDate, pgpassEntries, pgpassUpToDate, readState, type MemberState } from './access'
import { alterSystem, monitorRoleSql } from './statements'
import { claimKey, parseClaim } from './claims'
import { confLine, conninfo } from './conf'
import { pgError } from './errors'
import { factsQuery, majorOf, readFacts, type PgFacts } from './facts'
import { execTimeoutMs, isRunning, releaseDataDir, restartCommand, START_TIMEOUT_S, startCommand, stopCommand } from './instance'
import { binDir, debianConfDir, hbaFile, memberName, memberOf, pgCluster, type PgCluster, type PgMember } from './model'
import { PgNode, type Command } from './node'
import { findPassword } from './pgpass'
import { checkNewMember, probe, probeCommand, type Probe } from './probe'
import { BACKUP_STATE, CLAIM, CLAIMED_FRESH, PUT_FILE } from './scripts'
import { checkDataDir, explainGuardFailure, guardCommand, judgeNewDataDir, knownDataDir, protectedDirs, refuseRunningOnTarget } from './data-dir-guard'
import { generatePassword, lit, ident, scramVerifier } from './sql'

export const createClusterParams = z
  .object({
    cluster: pgCluster,
    primary: memberName,
    mode: z.enum(['init', 'adopt']),
    /** initdb --locale (init). */
    locale: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/).default('C.UTF-8'),
    /** adopt: the user agreed to restart the primary when a changed setting needs it. */
    allowRestart: z.boolean().default(true),
    /** Data dirs of the members of the other cluster records (the guard keeps away from those on this host). */
    knownDataDirs: z.array(knownDataDir).default([]),
  })
  .superRefine((p, ctx) => {
    if (!p.cluster.members.some((m) => m.name === p.primary)) ctx.addIssue({ code: 'custom', message: `The cluster has no member named ${p.primary}`, path: ['primary'] })
  })
export type CreateClusterParams = z.output<typeof createClusterParams>

const SIZE_UNITS: Record<string, number> = { kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 }
export const sizeBytes = (s: string) => {
  const m = /^(\d+)(kB|MB|GB|TB)$/.exec(s)
  return m ? Number(m[1]) * SIZE_UNITS[m[2]!]! : Number(s)
}

/** The settings every member of a ReplicaDesk cluster carries (replication, pg_rewind later). */
export function clusterSettings(c: PgCluster): [string, string][] {
  return [
    ['wal_level', 'replica'],
    ['max_wal_senders', String(c.maxWalSenders)],
    ['max_replication_slots', String(c.maxReplicationSlots)],
    ['wal_keep_size', c.walKeepSize],
    ['wal_log_hints', 'on'],
    ['hot_standby', 'on'],
  ]
}

/** ALTER SYSTEM statements that bring a running server up to the cluster's needs (never down). */
export function settingsToRaise(c: PgCluster, f: PgFacts, addresses: readonly string[]): string[] {
  const out: string[] = []
  if (f.walLevel === 'minimal') out.push(alterSystem('wal_level', 'replica'))
  if (f.maxWalSenders < c.maxWalSenders) out.push(alterSystem('max_wal_senders', String(c.maxWalSenders)))
  if (f.maxSlots < c.maxReplicationSlots) out.push(alterSystem('max_replication_slots', String(c.maxReplicationSlots)))
  if (f.walKeepBytes < sizeBytes(c.walKeepSize)) out.push(alterSystem('wal_keep_size', c.walKeepSize))
  if (!f.checksums && !f.walLogHints) out.push(alterSystem('wal_log_hints', 'on'))
  if (!f.hotStandby) out.push(alterSystem('hot_standby', 'on'))
  const listen = f.listen.split(',').map((s) => s.trim()).filter(Boolean)
  if (!listen.includes('*')) {
    const missing = addresses.filter((a) => !listen.includes(a))
    if (missing.length) out.push(alterSystem('listen_addresses', [...listen, ...missing].join(',')))
  }
  return out
}

interface Memo {
  probe?: Probe
  needsRoot?: boolean
  access?: AccessAssessment
}

interface AccessAssessment {
  states: MemberState[]
  facts: PgFacts
  block: string[]
  password?: string
  roleOk: boolean
  monitorSql: string[]
  done: boolean
}

export function buildCreateCluster(hosts: HostExec, p: CreateClusterParams): Step<CreateClusterParams>[] {
  const c = p.cluster
  const major = c.major
  const m = memberOf(c, p.primary)
  const node = (x: PgMember) => new PgNode(hosts, x, major)
  const P = node(m)
  const everyone = c.members.map(node)
  const role = c.replicationRole
  const key = claimKey(m.dataDir)
  const prot = protectedDirs(m, c.members, p.knownDataDirs)
  const memo: Memo = {}
  const isDebian = m.layout === 'debian'

  const upFacts = async (): Promise<PgFacts> => {
    const f = await readFacts(P, role)
    if ('error' in f) throw pgError('cluster_state', `PostgreSQL ${m.name} on ${m.host} (port ${m.port}) does not answer: ${f.error.message}`, { host: m.host })
    return f.facts
  }

  // ---- preflight --------------------------------------------------------------------------
  const preflight: Step<CreateClusterParams> = {
    id: 'preflight',
    title: p.mode === 'init' ? `Check ${m.host} for a new primary` : `Check the running primary on ${m.host}`,
    hosts: [m.host],
    plan: () => [P.planned(probeCommand(P, [])), ...(p.mode === 'init' ? [P.planned(guardCommand(P, m.dataDir, 'none', prot))] : []), ...(p.mode === 'adopt' ? [P.planned(P.psql([factsQuery(role)], 'reads role, version, settings'))] : [])],
    check: async () => false, // reads only: runs every time
    async run(ctx, report) {
      if (p.mode === 'init') {
        const [probed, guarded] = await Promise.all([probe(P, []), checkDataDir(P, m.dataDir, 'none', prot, true)])
        judgeNewDataDir({ host: m.host, target: m.dataDir, answer: guarded, ours: probed.claim?.operation === ctx.operationId, overwrite: false, unrelated: false, sysid: '', clusterId: c.id, member: m.name })
        const verdict = checkNewMember({ member: m, major, probe: probed, operationId: ctx.operationId, overwrite: false })
        refuseRunningOnTarget(m.host, m.dataDir, guarded, probed.claim?.operation === ctx.operationId)
        if (verdict.needsRoot) await P.run(P.root(['true']), { timeoutMs: 10_000 })
        memo.probe = probed
        memo.needsRoot = verdict.needsRoot
        return report({ message: `${m.host} is ready for PostgreSQL ${major} in ${m.dataDir}` })
      }
      const [probed, f] = await Promise.all([probe(P, []), upFacts()])
      memo.probe = probed
      const at = `${m.host} port ${m.port}`
      if (majorOf(f.versionNum) !== major) throw pgError('version_mismatch', `The server on ${at} runs PostgreSQL ${f.version}, not ${major} as the cluster says. Set the cluster's version to ${majorOf(f.versionNum)}.`, { host: m.host, check: 'version' })
      if (f.inRecovery) throw pgError('preflight_failed', `The server on ${at} is a standby. Adopt the cluster's primary instead.`, { host: m.host, check: 'role' })
      if (f.dataDir !== m.dataDir) throw pgError('preflight_failed', `The server on ${at} runs from ${f.dataDir}, not ${m.dataDir}. Correct the member's data directory.`, { host: m.host, check: 'data_dir' })
      const debianConf = f.configFile.startsWith(`${debianConfDir(m, major)}/`)
      if (isDebian !== debianConf) {
        throw pgError('preflight_failed', `The server on ${at} is ${debianConf ? `the Debian cluster ${major}/${m.debianName}` : `a plain data dir (config ${f.configFile})`}, but the member says layout "${m.layout}"${isDebian ? ` named ${m.debianName}` : ''}. Correct the member's layout.`, { host: m.host, check: 'layout' })
      }
      if (!probed.bins.some((b) => b.dir === binDir(m, major) && b.major === major)) {
        throw pgError('version_mismatch', `${m.host} has no PostgreSQL ${major} binaries in ${binDir(m, major)}. Set the member's binary directory.`, { host: m.host, check: 'version', found: probed.bins })
      }
      report({ message: `${m.name}: PostgreSQL ${f.version}, primary, ${isDebian ? `Debian cluster ${major}/${m.debianName}` : 'plain data dir'}` })
    },
  }

  // ---- init -------------------------------------------------------------------------------
  const initdbArgv = (): string[] =>
    isDebian
      ? ['pg_createcluster', major, m.debianName, '-p', String(m.port), '-d', m.dataDir, '--', '--data-checksums', '--encoding=UTF8', `--locale=${p.locale}`]
      : [P.tool('initdb'), '-D', m.dataDir, '--data-checksums', '--encoding=UTF8', `--locale=${p.locale}`, '--auth-local=peer', '--auth-host=scram-sha-256']
  const claimCmd = (opId: string, mk: boolean): Command => P.pg(['sh', '-c', CLAIM, 'sh', key, opId, m.name, m.dataDir, mk ? 'yes' : 'no'], 'claims the data dir for this operation')
  const initCmd = (opId: string): Command => P.pg(['sh', '-c', CLAIMED_FRESH, 'sh', key, opId, m.dataDir, P.tool('pg_controldata'), 'none', prot, ...initdbArgv()], 'the data-dir guard, then initdb')
  const autoConf = (addresses: readonly string[]) => {
    const lines = [
      '# Do not edit this file manually!',
      '# It will be overwritten by the ALTER SYSTEM command.',
      confLine('listen_addresses', ['localhost', ...addresses].join(',')),
      ...(isDebian ? [] : [confLine('port', String(m.port)), confLine('cluster_name', m.name)]),
      ...clusterSettings(c).map(([k, v]) => confLine(k, v)),
    ]
    return lines.join('\n') + '\n'
  }
  const writeAutoConf = (): Command => P.pg(['sh', '-c', PUT_FILE, 'sh', `${m.dataDir}/postgresql.auto.conf`, '600'], 'replication settings, over stdin')

  const init: Step<CreateClusterParams> = {
    id: 'init',
    title: `Initialise ${m.dataDir} on ${m.host}`,
    hosts: [m.host],
    weight: 3,
    plan: (ctx) => {
      const opId = ctx.operationId ?? 'OPERATION'
      return [
        P.planned(claimCmd(opId, true)),
        P.planned({ ...P.root(['install', '-d', '-o', 'postgres', '-g', 'postgres', '-m', '700', m.dataDir]), note: 'only when postgres cannot create it' }),
        P.planned(initCmd(opId)),
        P.planned(writeAutoConf()),
        ...accessPlan([{ node: P, hbaPath: hbaFile(m, major), reload: false }]).slice(0, 1),
      ]
    },
    async check(ctx) {
      const [state, own] = await Promise.all([P.run(P.pg(['sh', '-c', BACKUP_STATE, 'sh', key, m.dataDir])), readState(P, hbaFile(m, major))])
      const lines = state.stdout.split('\n')
      const claim = parseClaim(lines.find((l) => l.startsWith('claim '))?.slice(6))
      return claim?.operation === ctx.operationId && lines.includes('pgversion') && own.hba !== undefined && hbaUpToDate(own, clusterHbaBlock(c, [own]))
    },
    async run(ctx, report) {
      const needsRoot = memo.needsRoot ?? false
      await P.run(claimCmd(ctx.operationId, !needsRoot && !isDebian))
      if (needsRoot) await P.run(P.root(['install', '-d', '-o', 'postgres', '-g', 'postgres', '-m', '700', m.dataDir]))
      if (isDebian) await P.run(P.pg(['rm', '-rf', '--', debianConfDir(m, major)])) // a half-made one of this operation (claimed)
      report({ message: isDebian ? 'pg_createcluster' : 'initdb' })
      await P.run(initCmd(ctx.operationId), { timeoutMs: 300_000 }).catch((err: unknown) => {
        throw explainGuardFailure(err, m.host, m.dataDir, 'write into')
      })
      const own = await readState(P, hbaFile(m, major))
      const addresses = memo.probe?.addresses ?? own.addresses
      await Promise.all([P.run(writeAutoConf(), { stdin: autoConf(addresses) }), applyAccess(accessChange(own, c, clusterHbaBlock(c, [own]), undefined, [], [], false))])
    },
    async undo(ctx) {
      const own = await readState(P, undefined, true)
      if (own.claim?.operation !== ctx.operationId) return
      if (await isRunning(P)) await P.run(stopCommand(P), { timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
      await releaseDataDir(P, ctx.operationId, own.claim.made, prot)
      if (isDebian) await P.run(P.pg(['rm', '-rf', '--', debianConfDir(m, major)]))
    },
  }

  const primaryRunning = async () => {
    const f = await readFacts(P, role)
    return 'facts' in f && !f.facts.inRecovery && f.facts.dataDir === m.dataDir ? f.facts : undefined
  }

  const start: Step<CreateClusterParams> = {
    id: 'start',
    title: `Start ${m.name}`,
    hosts: [m.host],
    plan: () => [P.planned(startCommand(P))],
    check: async () => (await primaryRunning()) !== undefined,
    async run() {
      await P.run(startCommand(P), { timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
    },
    async undo(ctx) {
      const own = await readState(P, undefined, true)
      if (own.claim?.operation === ctx.operationId && (await isRunning(P))) await P.run(stopCommand(P), { timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
    },
  }

  // ---- adopt: settings and restart ----------------------------------------------------------
  const addressesOf = async () => memo.probe?.addresses ?? (await readState(P, undefined)).addresses
  const settings: Step<CreateClusterParams> = {
    id: 'settings',
    title: `Replication settings on ${m.name}`,
    hosts: [m.host],
    plan: () => [P.planned(P.psql([...clusterSettings(c).map(([k, v]) => alterSystem(k, v)), 'SELECT pg_reload_conf()'], 'only the settings that are lower than needed; never lowers one'))],
    check: async () => settingsToRaise(c, await upFacts(), await addressesOf()).length === 0,
    async run(_ctx, report) {
      const sql = settingsToRaise(c, await upFacts(), await addressesOf())
      if (sql.length) await P.sql([...sql, 'SELECT pg_reload_conf()'])
      report({ message: `${sql.length} setting${sql.length === 1 ? '' : 's'} changed` })
    },
  }

  const restart: Step<CreateClusterParams> = {
    id: 'restart',
    title: `Restart ${m.name} if a changed setting needs it`,
    hosts: [m.host],
    plan: () => [P.planned({ ...restartCommand(P), note: 'only when pg_settings shows a pending restart' })],
    check: async () => (await upFacts()).pendingRestart.length === 0,
    async run(_ctx, report) {
      const pending = (await upFacts()).pendingRestart
      if (!pending.length) return
      if (!p.allowRestart) {
        throw pgError('preflight_failed', `${m.name} on ${m.host} must restart for ${pending.join(', ')} to take effect, and a restart was not allowed. Restart it yourself, then resume.`, { host: m.host, pending })
      }
      report({ message: `Restarting ${m.name} for ${pending.join(', ')}` })
      await P.run(restartCommand(P), { timeoutMs: execTimeoutMs(START_TIMEOUT_S) })
    },
  }

  // ---- access ---------------------------------------------------------------------------------
  const loginTest = (): Command =>
    P.pg([P.tool('psql'), '-X', '-A', '-t', '-w', '-d', conninfo({ host: m.address, port: m.port, user: role, dbname: 'replication', replication: 'true' }), '-c', 'IDENTIFY_SYSTEM'], 'a real replication login over TCP with the stored password')

  async function assessAccess(): Promise<AccessAssessment> {
    const f = await upFacts()
    const states = await Promise.all(everyone.map((n) => readState(n, n.name === m.name ? f.hbaFile : hbaFile(n.member, major))))
    const own = states.find((s) => s.node.name === m.name)!
    const block = clusterHbaBlock(c, states)
    const password = findPassword(own.pgpass, role)
    const roleOk = f.roles.some((r) => r.name === role && r.replication && r.login)
    const monitorSql = states
      .filter((s) => s.node.member.access === 'sudo' && s.login && s.login !== 'postgres')
      .filter((s) => !f.roles.some((r) => r.name === s.login && r.monitor))
      .flatMap((s) => monitorRoleSql(s.login))
    const entries = pgpassEntries(c.members)
    let done = roleOk && password !== undefined && monitorSql.length === 0 && states.every((s) => hbaUpToDate(s, block) && pgpassUpToDate(s, role, entries))
    if (done) done = await P.run(loginTest(), { okExitCodes: [0, 1, 2] }).then((r) => r.exitCode === 0)
    return { states, facts: f, block, password, roleOk, monitorSql, done }
  }

  const access: Step<CreateClusterParams> = {
    id: 'access',
    title: 'Replication role, passwords, pg_hba.conf and monitoring access',
    hosts: c.members.map((x) => x.host),
    plan: () => [
      P.planned(P.psql([secret('CREATE ROLE / ALTER ROLE … LOGIN REPLICATION PASSWORD …'), 'GRANT pg_monitor TO <admin login>'], 'the password is generated by ReplicaDesk; only its SCRAM verifier is sent')),
      ...accessPlan(everyone.map((n) => ({ node: n, hbaPath: hbaFile(n.member, major), reload: true }))),
      P.planned(loginTest()),
    ],
    async check() {
      memo.access = await assessAccess()
      return memo.access.done
    },
    async run(_ctx, report) {
      const a = memo.access ?? (await assessAccess())
      memo.access = undefined
      const password = a.password ?? generatePassword()
      const entries = pgpassEntries(c.members)
      // The passfiles first: a crash after this keeps the password, and the next run reuses it.
      await Promise.all(a.states.map((s) => applyAccess(accessChange(s, c, a.block, password, entries, [], true))))
      const roleSql = `DO $rd$ BEGIN
IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${lit(role)}) THEN ALTER ROLE ${ident(role)} WITH LOGIN REPLICATION PASSWORD ${lit(scramVerifier(password))};
ELSE CREATE ROLE ${ident(role)} WITH LOGIN REPLICATION PASSWORD ${lit(scramVerifier(password))}; END IF; END $rd$`
      await P.sql([secret(roleSql), ...a.monitorSql])
      const test = await P.run(loginTest(), { okExitCodes: [0, 1, 2] })
      if (test.exitCode !== 0) {
        throw pgError('cluster_state', `The replication login test on ${m.host} failed: ${test.stderr.trim().split('\n').at(-1) ?? `exit ${test.exitCode}`}. Check that ${m.name} listens on ${m.address} and that pg_hba.conf (${a.facts.hbaFile}) has no earlier line rejecting it.`, { host: m.host })
      }
      report({ message: `Role ${role} ready; replication login from ${m.host} works` })
    },
  }

  return p.mode === 'init' ? [preflight, init, start, access] : [preflight, settings, restart, access]
}
