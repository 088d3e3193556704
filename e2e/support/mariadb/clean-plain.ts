// Puts lab hosts back as they were before a spec made plain MariaDB servers on them (test code):
// every mariadbd whose datadir is under BASE stopped (TERM, KILL after 6 s), any copy still
// running killed, then BASE, ReplicaDesk's MariaDB files and leases and the port's socket
// removed. Only processes of that host: the lab's hosts share one pid space, not one mount
// namespace. Bounded per host; the error names the host.
import { exec, type Lab } from '../../lab'

/** Args: BASE PORT. */
const CLEAN = String.raw`base=$1 port=$2 ns=$(readlink /proc/self/ns/mnt)
servers() { for c in /proc/[0-9]*/comm; do read -r n < "$c" 2>/dev/null || continue; d=${'$'}{c%/comm}
  [ "$(readlink "$d/ns/mnt" 2>/dev/null)" = "$ns" ] || continue
  [ "$n" = mariadbd ] && [ "$(cut -d' ' -f3 "$d/stat" 2>/dev/null)" != Z ] && case $(readlink "$d/cwd" 2>/dev/null) in "$base"/*) echo "${'$'}{d#/proc/}" ;; esac
  case $n in mbstream|mariadb-backup) kill -KILL "${'$'}{d#/proc/}" 2>/dev/null ;; esac; done; }
for p in $(servers); do kill -TERM "$p"; done
for i in $(seq 120); do [ -z "$(servers)" ] && break; [ "$i" = 60 ] && for p in $(servers); do kill -KILL "$p"; done; sleep 0.1; done
rm -rf -- "$base" /etc/mysql/replicadesk /var/lib/replicadesk/leases "/run/mysqld/rd-$port.sock" "/run/mysqld/rd-$port.sock.lock"
exit 0`

export async function cleanPlainMariaDb(lab: Lab, hosts: readonly string[], base: string, port: number): Promise<void> {
  await Promise.all(
    hosts.map(async (host) => {
      const r = await exec(host, ['sh', '-c', CLEAN, 'sh', base, String(port)], { lab, timeoutMs: 30_000 })
      if (r.code !== 0) throw new Error(`${host}: cleaning ${base} failed (exit ${r.code}): ${r.stderr || r.stdout}`)
    }),
  )
}
