// What PostgreSQL a host has: installed versions (server binaries), running instances (from
// the socket lock files, which name pid, data dir, port and socket dir), Debian-style clusters
// (pg_lsclusters, running or not), and for each running one its version, role and config.
import { z } from 'zod'
import type { DetectedInstance, HostDetection, InstalledVersion } from '../engine'
import type { HostExec } from '../host-exec'
import { hostAddresses } from './hba'
import type { PgMember } from './model'
import { PgNode } from './node'
import { LIVE_POSTMASTER } from './scripts'

// A lock file names the data dir (line 2) of a server that may be dead: a zombie, or a pid
// taken by another program since (pm_live tells).
const DETECT = String.raw`${LIVE_POSTMASTER}
echo "login ${'$'}{SUDO_USER:-$(id -un)}"
echo "addrs $(hostname -I 2>/dev/null)"
pathbin=/nonexistent
p=$(command -v postgres 2>/dev/null) && pathbin=$(dirname "$(readlink -f "$p")")
for d in /usr/lib/postgresql/*/bin /usr/pgsql-*/bin "$pathbin"; do
  [ -x "$d/postgres" ] || continue
  echo "bin $d $("$d/postgres" --version 2>/dev/null | head -n 1)"
done
for l in /var/run/postgresql/.s.PGSQL.*.lock /run/postgresql/.s.PGSQL.*.lock /tmp/.s.PGSQL.*.lock; do
  [ -r "$l" ] || continue
  pm_live "$(sed -n 2p "$l")" || continue
  echo "lock $(sed -n '2p;4p;5p' "$l" | tr '\n' '|')"
done
if command -v pg_lsclusters >/dev/null 2>&1; then pg_lsclusters -h 2>/dev/null | sed 's/^/debian /'; fi
exit 0`

export interface PgDetection extends HostDetection {
  instances: (DetectedInstance & { socketDir?: string; inRecovery?: boolean; error?: string })[]
}

const instanceInfo = z.object({ version: z.string(), inRecovery: z.boolean(), dataDir: z.string(), configFile: z.string(), clusterName: z.string() })

export async function detect(hosts: HostExec, host: string, access: 'postgres' | 'sudo'): Promise<PgDetection> {
  // A stand-in member only to run commands as postgres on that host.
  const probeMember = { name: 'detect', host, address: host, port: 5432, dataDir: '/', layout: 'plain', debianName: 'main', access, sync: false, priority: 100, neverPromote: false, socketDir: '/var/run/postgresql' } satisfies PgMember
  const n = new PgNode(hosts, probeMember, '0')
  const out = (await n.run(n.pg(['sh', '-c', DETECT, 'sh']), { timeoutMs: 30_000 })).stdout
  const versions: InstalledVersion[] = []
  const running = new Map<string, { dataDir: string; port: number; socketDir: string }>()
  const debian: { major: string; name: string; port: number; status: string; dataDir: string }[] = []
  let login = ''
  let addresses: string[] = []
  for (const line of out.split('\n')) {
    const [tag, ...rest] = line.split(' ')
    if (tag === 'login') login = rest.join(' ').trim()
    else if (tag === 'addrs') addresses = hostAddresses(rest.join(' '))
    else if (tag === 'bin') {
      const version = /\(PostgreSQL\)\s+(\d+(?:\.\d+)*)/.exec(line)?.[1]
      if (version && !versions.some((v) => v.binDir === rest[0])) versions.push({ major: version.split('.')[0]!, version, binDir: rest[0]! })
    } else if (tag === 'lock') {
      const [dataDir, port, socketDir] = rest.join(' ').split('|')
      if (dataDir && port) running.set(dataDir, { dataDir, port: Number(port), socketDir: socketDir || '/var/run/postgresql' })
    } else if (tag === 'debian' && rest.length >= 6) {
      debian.push({ major: rest[0]!, name: rest[1]!, port: Number(rest[2]), status: rest[3]!, dataDir: rest[5]! })
    }
  }
  const psqlBin = versions.sort((a, b) => Number(b.major) - Number(a.major))[0]?.binDir
  const instances: PgDetection['instances'] = await Promise.all(
    [...running.values()].map(async (r) => {
      const d = debian.find((x) => x.dataDir === r.dataDir)
      const base = { port: r.port, dataDir: r.dataDir, socketDir: r.socketDir, layout: d ? 'debian' : 'plain', ...(d && { name: `${d.major}/${d.name}` }) }
      if (!psqlBin) return { ...base, role: 'unknown' as const, error: 'no psql on the host' }
      const m = { ...probeMember, port: r.port, socketDir: r.socketDir, binDir: psqlBin }
      try {
        const info = await new PgNode(hosts, m, '0').json(
          `SELECT json_build_object('version', current_setting('server_version'), 'inRecovery', pg_is_in_recovery(), 'dataDir', current_setting('data_directory'), 'configFile', current_setting('config_file'), 'clusterName', current_setting('cluster_name'))`,
          instanceInfo,
        )
        return { ...base, version: info.version, inRecovery: info.inRecovery, role: info.inRecovery ? ('replica' as const) : ('primary' as const), configFile: info.configFile }
      } catch (err) {
        return { ...base, role: 'unknown' as const, error: (err as Error).message }
      }
    }),
  )
  for (const d of debian) {
    if (!running.has(d.dataDir)) instances.push({ port: d.port, dataDir: d.dataDir, role: 'stopped', layout: 'debian', name: `${d.major}/${d.name}`, version: d.major })
  }
  return { host, loginUser: login, addresses, versions, instances }
}
