// Test code (lab tests and benches), not used by the app: a primary and streaming standbys
// made by hand on lab hosts (initdb, pg_ctl, pg_basebackup -R -X stream), everything under
// one directory per host so the teardown is a stop and an rm -rf. The members of a
// StatusClusterInput are derived from it, with a login per host (postgres or the admin user,
// the latter reading through a role of its name granted pg_monitor).
import { exec as labExec, readLab, type Lab, type LabHost } from '../../lab'
import type { Target } from '../../../electron/core/ssh'
import type { StatusClusterInput, StatusMemberInput } from '../../../electron/core/status/types'

export interface LabClusterOptions {
  /** Cluster id of the StatusClusterInput. */
  id: string
  port: number
  /** host name per member; the first is the primary. */
  hosts: string[]
  /** member names (application_name / cluster_name), same order as hosts. */
  names: string[]
  /** Directory on every host that holds the data dir, log and passfile. */
  base: string
  /** Login per host: 'postgres' or 'admin' (rdadmin, monitored through a pg_monitor role). */
  logins?: Record<string, 'postgres' | 'admin'>
  /** Extra -c settings for every instance. */
  settings?: Record<string, string>
}

export interface LabCluster {
  lab: Lab
  o: LabClusterOptions
  dataDir: string
  logFile: string
  /** pg_ctl start of one member (after a stop or a host restart). */
  start(name: string): Promise<void>
  stop(name: string, mode?: 'fast' | 'immediate'): Promise<void>
  /** psql -Atc as postgres on a member; stdout trimmed. */
  psql(name: string, sql: string): Promise<string>
  /** Runs as postgres (or another user) on the member's host; throws unless exit 0. */
  run(name: string, argv: string[], user?: string): Promise<string>
  host(name: string): LabHost
  input(extra?: Partial<StatusMemberInput>): StatusClusterInput
  target(host: string): Target
  teardown(): Promise<void>
}

const REPL_PASSWORD = 'rd-status-test-only'

export async function makeLabCluster(o: LabClusterOptions): Promise<LabCluster> {
  const lab = readLab()
  const bin = lab.pgBin
  const dataDir = `${o.base}/data`
  const logFile = `${o.base}/postgres.log`
  const passfile = `${o.base}/pgpass`
  const hostOf = (name: string): LabHost => {
    const i = o.names.indexOf(name)
    if (i < 0) throw new Error(`no member ${name}`)
    const h = lab.hosts.find((x) => x.name === o.hosts[i])
    if (!h) throw new Error(`no lab host ${o.hosts[i]}`)
    return h
  }
  const onHost = async (h: LabHost, argv: string[], user = 'postgres', timeoutMs = 60_000): Promise<string> => {
    const r = await labExec(h, argv, { user, timeoutMs, lab })
    if (r.code !== 0) throw new Error(`${h.name}: ${argv.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim()}`)
    return r.stdout
  }
  const settingsOf = (name: string) => {
    const all: Record<string, string> = {
      port: String(o.port),
      cluster_name: name,
      listen_addresses: '*',
      wal_keep_size: '256MB',
      max_wal_senders: '10',
      hot_standby_feedback: 'on',
      ...o.settings,
    }
    return Object.entries(all).map(([k, v]) => `-c ${k}=${v}`).join(' ')
  }
  const start = async (name: string) => {
    await onHost(hostOf(name), [`${bin}/pg_ctl`, '-D', dataDir, '-l', logFile, '-w', '-t', '30', '-o', settingsOf(name), 'start'])
  }
  const stop = async (name: string, mode: 'fast' | 'immediate' = 'fast') => {
    await onHost(hostOf(name), [`${bin}/pg_ctl`, '-D', dataDir, '-m', mode, '-w', 'stop'])
  }
  const psql = async (name: string, sql: string) =>
    (await onHost(hostOf(name), [`${bin}/psql`, '-X', '-At', '-h', '/run/postgresql', '-p', String(o.port), '-d', 'postgres', '-c', sql])).trim()

  const wipe = `d=$1 bin=$2
if [ -f "$d/data/postmaster.pid" ]; then "$bin/pg_ctl" -D "$d/data" -m immediate -w stop >/dev/null 2>&1; fi
rm -rf -- "$d"; exit 0`
  const teardown = async () => {
    await Promise.all(
      o.hosts.map(async (hn) => {
        const h = lab.hosts.find((x) => x.name === hn)!
        await labExec(h, ['sh', '-c', wipe, 'sh', o.base, bin], { user: 'postgres', lab }).catch(() => {})
      }),
    )
  }

  await teardown()
  const [primary, ...standbys] = o.names
  const ph = hostOf(primary!)
  await onHost(ph, ['mkdir', '-p', o.base])
  await onHost(ph, [`${bin}/initdb`, '-D', dataDir, '--auth-local=peer', '--auth-host=scram-sha-256', '--no-sync', '-U', 'postgres'])
  await onHost(ph, ['sh', '-c', `echo "host replication rd_repl ${lab.subnet} scram-sha-256" >> "$1/pg_hba.conf"`, 'sh', dataDir])
  await start(primary!)
  await psql(primary!, `CREATE ROLE rd_repl REPLICATION LOGIN PASSWORD '${REPL_PASSWORD}'; CREATE ROLE ${lab.users.admin} LOGIN; GRANT pg_monitor TO ${lab.users.admin};`)
  await Promise.all(
    standbys.map(async (name) => {
      const h = hostOf(name)
      await onHost(h, ['sh', '-c', 'mkdir -p "$1" && umask 077 && echo "*:*:*:rd_repl:$3" > "$2"', 'sh', o.base, passfile, REPL_PASSWORD])
      const conn = `host=${ph.name} port=${o.port} user=rd_repl passfile=${passfile} application_name=${name}`
      await onHost(h, [`${bin}/pg_basebackup`, '-d', conn, '-D', dataDir, '-R', '-X', 'stream', '--no-sync', '-c', 'fast'])
      await start(name)
    }),
  )

  const target = (hostName: string): Target => {
    const h = lab.hosts.find((x) => x.name === hostName)!
    const login = o.logins?.[hostName] === 'admin' ? lab.users.admin : lab.users.postgres
    return { address: h.address, port: h.port, user: login, identityFile: lab.clientKeyPath }
  }

  return {
    lab,
    o,
    dataDir,
    logFile,
    start,
    stop,
    psql,
    run: (name, argv, user) => onHost(hostOf(name), argv, user),
    host: hostOf,
    target,
    input: (extra = {}) => ({
      id: o.id,
      members: o.names.map((name, i) => ({
        name,
        host: o.hosts[i]!,
        target: target(o.hosts[i]!),
        port: o.port,
        socketDir: '/run/postgresql',
        dataDir,
        address: hostOf(name).name,
        ...extra,
      })),
    }),
    teardown,
  }
}
