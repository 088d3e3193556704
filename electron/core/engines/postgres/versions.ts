// The PostgreSQL part of the host test: the majors installed, from the Debian layout's server
// binaries (/usr/lib/postgresql/MAJOR/bin/postgres) and from pg_config when it is on PATH.
// One constant script, no sudo; it always exits 0 (nothing installed is an answer).
import type { HostProbe } from '../../ssh'

const VERSIONS_SCRIPT = 'for f in /usr/lib/postgresql/*/bin/postgres; do [ -x "$f" ] && echo "$f"; done; command -v pg_config >/dev/null 2>&1 && pg_config --version; exit 0'

/** The majors found, in numeric order ("15", or "9.6" for the old two-part ones). */
function parseInstalledVersions(stdout: string): string[] {
  const versions = new Set<string>()
  for (const m of stdout.matchAll(/\/usr\/lib\/postgresql\/(\d+(?:\.\d+)?)\/bin\/postgres/g)) versions.add(m[1]!)
  for (const m of stdout.matchAll(/^PostgreSQL (\d+)/gm)) versions.add(m[1]!)
  return [...versions].sort((a, b) => Number(a) - Number(b))
}

/** Fills the host test's `postgresVersions` (shared/ssh.ts). */
export const postgresHostProbe: HostProbe<{ postgresVersions: string[] }> = {
  argv: ['sh', '-c', VERSIONS_SCRIPT],
  parse: (stdout) => ({ postgresVersions: parseInstalledVersions(stdout) }),
}
