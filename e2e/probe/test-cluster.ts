// Test code for probe.lab.test.ts: a throwaway primary and streaming standby made by hand
// (initdb, pg_ctl, pg_basebackup -R) on two lab hosts, each under <base>/<member> with its own
// port, so it works in loopback mode too (one shared filesystem and address). Settings that a
// test changes later (synchronous_standby_names, read-only) are left to ALTER SYSTEM: a -c
// on the command line would override it.
import { exec, execOk, initDataDir, readLab, type Lab, type LabHost } from '../lab'
import { labPsql, type LabProbeMember } from './setup'

export interface ProbeTestCluster {
  lab: Lab
  members: LabProbeMember[]
  start(name: string): Promise<void>
  stop(name: string, mode?: 'fast' | 'immediate'): Promise<void>
  promote(name: string): Promise<void>
  psql(name: string, sql: string): Promise<string>
  teardown(): Promise<void>
}

const REPL_PASSWORD = 'rd-probe-test-only'

export async function makeProbeTestCluster(o: { hosts?: [string, string]; ports?: [number, number]; base?: string } = {}): Promise<ProbeTestCluster> {
  const lab = readLab()
  const bin = lab.pgBin
  const base = o.base ?? '/var/lib/postgresql/probe-test'
  const hosts = o.hosts ?? ['host1', 'host2']
  const ports = o.ports ?? [5491, 5492]
  const labHost = (n: string): LabHost => lab.hosts.find((h) => h.name === n)!
  const members: LabProbeMember[] = hosts.map((h, i) => ({ name: h, host: h, address: labHost(h).address, port: ports[i]! }))
  const member = (name: string) => members.find((m) => m.name === name)!
  const dir = (name: string) => `${base}/${name}`
  const asPg = (name: string, argv: string[]) => execOk(member(name).host, argv, { user: 'postgres', lab, timeoutMs: 60_000 })
  const sql = labPsql(lab)

  const start = async (name: string) => {
    const m = member(name)
    const opts = `-c port=${m.port} -c listen_addresses='*' -c cluster_name=${name} -c wal_keep_size=256MB`
    await asPg(name, [`${bin}/pg_ctl`, '-D', `${dir(name)}/data`, '-l', `${dir(name)}/postgres.log`, '-w', '-t', '30', '-o', opts, 'start'])
  }
  const stop = async (name: string, mode: 'fast' | 'immediate' = 'fast') => {
    await asPg(name, [`${bin}/pg_ctl`, '-D', `${dir(name)}/data`, '-m', mode, '-w', 'stop'])
  }
  const wipe = 'if [ -f "$1/data/postmaster.pid" ]; then "$2/pg_ctl" -D "$1/data" -m immediate -w stop >/dev/null 2>&1; fi; rm -rf -- "$1"; exit 0'
  const teardown = async () => {
    await Promise.all(members.map((m) => exec(m.host, ['sh', '-c', wipe, 'sh', dir(m.name), bin], { user: 'postgres', lab })))
  }

  await teardown()
  const [primary, standby] = members as [LabProbeMember, LabProbeMember]
  await asPg(primary.name, ['mkdir', '-p', dir(primary.name)])
  await initDataDir(primary.host, `${dir(primary.name)}/data`, ['--no-sync'], { lab })
  const hba = [...new Set(members.map((m) => m.address))].map((a) => `host replication rd_repl ${a}/32 scram-sha-256`).join('\n')
  await asPg(primary.name, ['sh', '-c', 'echo "$2" >> "$1/pg_hba.conf"', 'sh', `${dir(primary.name)}/data`, hba])
  await start(primary.name)
  await sql(primary, `CREATE ROLE rd_repl REPLICATION LOGIN PASSWORD '${REPL_PASSWORD}'`)
  const passfile = `${dir(standby.name)}/pgpass`
  await asPg(standby.name, ['sh', '-c', 'mkdir -p "$1" && umask 077 && echo "*:*:*:rd_repl:$3" > "$2"', 'sh', dir(standby.name), passfile, REPL_PASSWORD])
  const conn = `host=${primary.address} port=${primary.port} user=rd_repl passfile=${passfile} application_name=${standby.name}`
  await asPg(standby.name, [`${bin}/pg_basebackup`, '-d', conn, '-D', `${dir(standby.name)}/data`, '-R', '-X', 'stream', '--no-sync', '-c', 'fast'])
  await start(standby.name)
  for (let i = 0; (await sql(primary, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")) !== '1'; i++) {
    if (i > 200) throw new Error(`${standby.name} does not stream from ${primary.name}`)
    await new Promise((r) => setTimeout(r, 50))
  }

  return {
    lab,
    members,
    start,
    stop,
    promote: async (name) => void (await asPg(name, [`${bin}/pg_ctl`, '-D', `${dir(name)}/data`, '-w', 'promote'])),
    psql: (name, text) => sql(member(name), text),
    teardown,
  }
}
