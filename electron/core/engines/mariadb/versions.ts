// The MariaDB part of the host test: the server versions installed (mariadbd / mysqld in the
// usual places and on PATH). One constant script, no sudo; it always exits 0 (nothing
// installed is an answer).
import type { HostProbe } from '../../ssh'

const VERSIONS_SCRIPT = 'for b in /usr/sbin/mariadbd /usr/sbin/mysqld /usr/libexec/mariadbd /usr/libexec/mysqld "$(command -v mariadbd 2>/dev/null)"; do [ -n "$b" ] && [ -x "$b" ] && "$b" --version 2>/dev/null | head -n 1; done; exit 0'

/** "10.11.19" from "mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)". */
export const serverVersionOf = (line: string) => /\bVer\s+(\d+\.\d+\.\d+)-MariaDB/i.exec(line)?.[1]

/** The MariaDB versions found, oldest first (MySQL servers are not MariaDB: left out). */
export function parseMariaVersions(stdout: string): string[] {
  const versions = new Set<string>()
  for (const line of stdout.split('\n')) {
    const v = serverVersionOf(line)
    if (v) versions.add(v)
  }
  const key = (v: string) => v.split('.').map((x) => x.padStart(4, '0')).join('.')
  return [...versions].sort((a, b) => key(a).localeCompare(key(b)))
}

/** Fills the host test's `mariadbVersions`. */
export const mariadbHostProbe: HostProbe<{ mariadbVersions: string[] }> = {
  argv: ['sh', '-c', VERSIONS_SCRIPT],
  parse: (stdout) => ({ mariadbVersions: parseMariaVersions(stdout) }),
}
