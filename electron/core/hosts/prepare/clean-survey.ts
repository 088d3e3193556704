// What ReplicaDesk left on a host, found by two constant scripts (one as postgres, one as the
// login), and the pure parts of a clean: which pgpass lines and addresses are ours, the list of
// removals, and what stays on purpose.
import { mergePgpass, pgpassHosts } from '../../engines/postgres/pgpass'
import type { PgCluster } from '../../../../shared/postgres'

// Run as postgres and as the login (each its own $HOME). $1: now (unused when empty).
// `home PATH` ReplicaDesk's dir; `live OP INSTANCE` a lease whose expiry has not passed
// (by this host's clock); `pgpass` the file exists.
export const HOME_SURVEY = `now=$(date +%s)
if [ -e "$HOME/.replicadesk" ]; then echo "home $HOME/.replicadesk"; fi
for o in "$HOME"/.replicadesk/leases/*/owner; do
  [ -f "$o" ] || continue
  i= op= exp=
  { read -r i; read -r op; read -r exp; } < "$o"
  case $exp in '' | *[!0-9]*) exp=0 ;; esac
  if [ "$exp" -gt "$now" ]; then echo "live $op $i"; fi
done
if [ -f "$HOME/.pgpass" ]; then echo pgpass; fi`

// Run as the login: root-owned traces. $1: the marker line of createcluster.conf.
export const ROOT_SURVEY = `PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
for f in /etc/sudoers.d/replicadesk /etc/sudoers.d/replicadesk-*; do [ -e "$f" ] && echo "root $f"; done
if [ -d /var/lib/replicadesk ]; then
  if l=$(ls -A /var/lib/replicadesk 2>/dev/null); then printf '%s\\n' "$l" | sed -n 's|^\\(.\\)|root /var/lib/replicadesk/\\1|p'
  else echo "root /var/lib/replicadesk"; fi
fi
for u in /etc/systemd/system/replicadesk-*.service; do [ -e "$u" ] && echo "unit $u"; done
if grep -qxF "$1" /etc/postgresql-common/createcluster.conf 2>/dev/null; then echo conf; fi
for p in /etc/patroni/[0-9]*-*.yml; do [ -e "$p" ] && echo "patroni $p"; done
if [ "$(id -u)" = 0 ] || sudo -n true >/dev/null 2>&1; then echo root=yes; fi
ip -o -4 addr show 2>/dev/null | awk '{ print "addr " $2 " " $4 }'`

export interface Survey {
  homes: string[]
  live: string[]
  pgpass: boolean
  rootPaths: string[]
  units: string[]
  conf: boolean
  patroni: string[]
  root: boolean
  /** iface, address/prefix */
  addrs: { iface: string; cidr: string }[]
}

export function parseSurvey(...outputs: string[]): Survey {
  const s: Survey = { homes: [], live: [], pgpass: false, rootPaths: [], units: [], conf: false, patroni: [], root: false, addrs: [] }
  for (const line of outputs.join('\n').split('\n').map((l) => l.trim())) {
    const [k, ...rest] = line.split(' ')
    const v = rest.join(' ')
    if (k === 'home' && v.startsWith('/')) s.homes.push(v)
    else if (k === 'live') s.live.push(v)
    else if (k === 'pgpass') s.pgpass = true
    else if (k === 'root' && v.startsWith('/')) s.rootPaths.push(v)
    else if (k === 'unit' && v.startsWith('/')) s.units.push(v)
    else if (k === 'conf') s.conf = true
    else if (k === 'patroni' && v.startsWith('/')) s.patroni.push(v)
    else if (k === 'root=yes') s.root = true
    else if (k === 'addr' && rest.length === 2) s.addrs.push({ iface: rest[0]!.replace(/@.*$/, ''), cidr: rest[1]! })
  }
  s.homes = [...new Set(s.homes)]
  return s
}

/** Every `serviceAddress.address` and `replicationRole` found in journaled operation params (deep). */
export function journaledTraces(params: readonly unknown[]): { addresses: string[]; roles: string[] } {
  const addresses = new Set<string>()
  const roles = new Set<string>()
  const walk = (v: unknown, depth: number): void => {
    if (depth > 8 || v === null || typeof v !== 'object') return
    if (Array.isArray(v)) return v.forEach((x) => walk(x, depth + 1))
    const o = v as Record<string, unknown>
    const sa = o.serviceAddress as { address?: unknown } | undefined
    if (sa && typeof sa.address === 'string') addresses.add(sa.address)
    if (typeof o.replicationRole === 'string') roles.add(o.replicationRole)
    for (const x of Object.values(o)) walk(x, depth + 1)
  }
  walk(params, 0)
  return { addresses: [...addresses], roles: [...roles] }
}

/** The pgpass file without the lines of these roles (any host): ReplicaDesk's replication lines. */
export function pgpassWithout(file: string, roles: readonly string[]): { text: string; removed: number } {
  let text = file
  let removed = 0
  for (const role of roles) {
    const entries = pgpassHosts(text, role).map((hp) => {
      const i = hp.lastIndexOf(':')
      return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) }
    })
    removed += entries.length
    if (entries.length) text = mergePgpass(text, role, undefined, [], entries)
  }
  return { text, removed }
}

/** The clusters (and how) that still use the host: a clean is refused while there is one. */
export function usersOf(clusters: readonly PgCluster[], host: string): string[] {
  return clusters.flatMap((c) => [
    ...c.members.filter((m) => m.host === host).map((m) => `cluster ${c.id} (member ${m.name}): remove it first with \`replicadesk replica remove ${c.id} ${m.name}\`, or \`replicadesk cluster forget ${c.id}\` if the cluster is gone`),
    ...(c.automatic?.etcdHosts.includes(host) && !c.members.some((m) => m.host === host) ? [`cluster ${c.id} (an etcd voter of its automatic failover)`] : []),
  ])
}

/** What a clean never removes, said every time. */
export function leftAlways(s: Pick<Survey, 'patroni'>): string[] {
  return [
    'data dirs and Debian clusters (never deleted by host clean; pg_dropcluster or rm -rf by hand once you are sure)',
    'the PostgreSQL packages (sudo apt-get remove postgresql-NN to remove them)',
    "ReplicaDesk's block in pg_hba.conf and its roles inside any data dir that stays",
    ...(s.patroni.length ? [`Patroni configs ${s.patroni.join(', ')} (/etc/patroni may hold other clusters' files: remove ReplicaDesk's by hand)`] : []),
  ]
}
