// Install PostgreSQL on a host from the distribution's packages (Debian, Ubuntu, Raspberry Pi
// OS), as journaled steps, WITHOUT the default `main` cluster Debian's postinst would create:
//   no-main   (method conf) `create_main_cluster = false` appended to
//             /etc/postgresql-common/createcluster.conf before the install (a marker line above
//             it says who wrote it; `host clean` takes both out again)
//   install   sudo -n apt-get install -y postgresql-MAJOR (sudo run directly, so a sudoers rule
//             limited to that command is enough); done when /usr/lib/postgresql/MAJOR/bin/postgres is there
//   drop-main (method drop-main, when createcluster.conf did not exist before: postgresql-common
//             arrives with the install) the `main` cluster the install just made, only when it
//             was not there before and holds no database of its own
//   verify    the binaries are there, and which Debian clusters exist
import { z } from 'zod'
import { AppError } from '../../../../shared/errors'
import { defineOperationKind, type Step } from '../../operations'
import type { HostExec } from '../host-exec'
import { installSummary } from './install-summary'

export const CREATECLUSTER_CONF = '/etc/postgresql-common/createcluster.conf'
/** The line above ours in createcluster.conf: how `host clean` finds it. */
export const CONF_MARKER = '# ReplicaDesk (host prepare): no default main cluster with a new PostgreSQL major'

export const installParams = z.object({
  host: z.string().min(1),
  major: z.string().regex(/^\d{2,3}$/),
  /** conf: createcluster.conf written before; drop-main: the new empty main removed after. */
  method: z.enum(['conf', 'drop-main']),
  /** A `main` cluster of that major was there before (never dropped then). */
  mainExisted: z.boolean(),
  /** Act as postgres directly (login postgres) or through sudo -n -u postgres. */
  access: z.enum(['postgres', 'sudo']),
  /** What apt would download (bytes), when it could tell. */
  downloadBytes: z.number().int().min(0).nullable(),
})
export type InstallParams = z.output<typeof installParams>

const CONF_HAS_FALSE = `grep -Eiq '^[[:space:]]*create_main_cluster[[:space:]]*=[[:space:]]*(false|no|off|0)([[:space:]]|$)' "$1"`

// $1 major. Prints `main` when a main cluster of that major exists, then `db NAME` per database
// of its own (reads as postgres through the cluster's port when it runs).
const MAIN_SCRIPT = `PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
[ -d "/etc/postgresql/$1/main" ] || exit 0
echo main
port=$(sed -n 's/^[[:space:]]*port[[:space:]]*=[[:space:]]*\\([0-9]*\\).*/\\1/p' "/etc/postgresql/$1/main/postgresql.conf" | head -n 1)
psql -X -At -p "\${port:-5432}" -d postgres -c "SELECT 'db ' || datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1')" 2>/dev/null || echo unreadable`

/** apt's size for the packages (and what they pull in), or null. Runs as the login, no root: `apt-get -s`. */
export const SIZE_SCRIPT = `PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export LC_ALL=C
out=$(apt-get -s -qq install "$@" 2>/dev/null) || { echo unknown; exit 0; }
pk=$(printf '%s\\n' "$out" | awk '$1 == "Inst" { print $2 }')
[ -n "$pk" ] || { echo 0; exit 0; }
apt-cache show --no-all-versions $pk 2>/dev/null | awk '/^Size:/ { s += $2 } END { print s + 0 }'`

export function parseSize(stdout: string): number | null {
  const v = stdout.trim().split('\n').pop() ?? ''
  return /^\d+$/.test(v) ? Number(v) : null
}

export const formatDownload = (bytes: number | null) => (bytes === null ? 'download size unknown: apt could not tell' : `download ${(bytes / 1e6).toFixed(1)} MB`)

const installArgv = (p: InstallParams) => ['sudo', '-n', 'apt-get', 'install', '-y', `postgresql-${p.major}`]
const confArgv = ['sudo', '-n', 'tee', '-a', CREATECLUSTER_CONF]
const asPostgres = (p: InstallParams) => (p.access === 'postgres' ? {} : { sudo: 'postgres' as const })
const tail = (s: string) => s.trim().split('\n').slice(-3).join(' ')

export function buildInstall(hosts: HostExec, p: InstallParams): Step<InstallParams>[] {
  const h = p.host
  const binary = `/usr/lib/postgresql/${p.major}/bin/postgres`
  const installed = async () => (await hosts.exec(h, ['test', '-x', binary], { timeoutMs: 10_000, okExitCodes: [0, 1] })).exitCode === 0
  const main = async () => {
    const r = await hosts.exec(h, ['sh', '-c', MAIN_SCRIPT, 'rd-install', p.major], { timeoutMs: 20_000, ...(await installed() ? asPostgres(p) : {}) })
    const lines = r.stdout.split('\n').map((l) => l.trim())
    return { exists: lines.includes('main'), dbs: lines.filter((l) => l.startsWith('db ')).map((l) => l.slice(3)), unreadable: lines.includes('unreadable') }
  }
  const failed = (what: string, r: { stderr: string; stdout: string; exitCode: number | null }, todo: string) =>
    new AppError('command_failed', `${what} on ${h} failed (exit ${r.exitCode}): ${tail(r.stderr) || tail(r.stdout)}. ${todo}`, { host: h })

  const steps: Step<InstallParams>[] = []
  if (p.method === 'conf') {
    steps.push({
      id: 'no-main',
      title: `No default main cluster: create_main_cluster = false in ${CREATECLUSTER_CONF}`,
      hosts: [h],
      plan: () => [{ host: h, argv: confArgv, runAs: 'root', note: `appends "${CONF_MARKER}" and "create_main_cluster = false" (stdin)` }],
      check: async () => (await hosts.exec(h, ['sh', '-c', CONF_HAS_FALSE, 'rd-install', CREATECLUSTER_CONF], { timeoutMs: 10_000, okExitCodes: [0, 1, 2] })).exitCode === 0,
      async run(_ctx, report) {
        const r = await hosts.exec(h, confArgv, { timeoutMs: 20_000, stdin: `${CONF_MARKER}\ncreate_main_cluster = false\n`, okExitCodes: Array.from({ length: 256 }, (_, i) => i) })
        if (r.exitCode !== 0) throw failed(`Writing ${CREATECLUSTER_CONF}`, r, 'Allow the login to run it through sudo -n (see `replicadesk host prepare`), then resume.')
        report({ message: 'create_main_cluster = false' })
      },
    })
  }
  steps.push({
    id: 'install',
    title: `Install PostgreSQL ${p.major} (${formatDownload(p.downloadBytes)})`,
    hosts: [h],
    weight: 5,
    plan: () => [{ host: h, argv: installArgv(p), runAs: 'root', note: formatDownload(p.downloadBytes) }],
    check: installed,
    async run(_ctx, report) {
      report({ message: `apt-get install -y postgresql-${p.major} (${formatDownload(p.downloadBytes)})` })
      const r = await hosts.exec(h, installArgv(p), { timeoutMs: 20 * 60_000, okExitCodes: Array.from({ length: 256 }, (_, i) => i) })
      if (r.exitCode !== 0) {
        const sudo = /sudo: (a password is required|a terminal is required)|not allowed to execute/.test(r.stderr)
        throw failed(`apt-get install -y postgresql-${p.major}`, r, sudo ? `The login may not run it through sudo -n: add the rule \`replicadesk host prepare ${h}\` names, then resume.` : `Look at apt's message (run \`sudo apt-get update\` on ${h} if the package is not found), then resume.`)
      }
      if (!(await installed())) throw new AppError('command_failed', `apt-get said it installed postgresql-${p.major} on ${h}, but ${binary} is not there. Look on ${h}, then resume.`, { host: h })
      report({ message: `PostgreSQL ${p.major} installed` })
    },
  })
  if (p.method === 'drop-main') {
    steps.push({
      id: 'drop-main',
      title: `Remove the empty main cluster the install made (${p.mainExisted ? 'skipped: main was there before' : `pg_dropcluster --stop ${p.major} main`})`,
      hosts: [h],
      plan: () => (p.mainExisted ? [] : [{ host: h, argv: ['pg_dropcluster', '--stop', p.major, 'main'], runAs: 'postgres', note: 'only when it holds no database of its own' }]),
      check: async () => p.mainExisted || !(await main()).exists,
      async run(_ctx, report) {
        const m = await main()
        if (m.unreadable || m.dbs.length) throw new AppError('cluster_state', `The main cluster of PostgreSQL ${p.major} on ${h} ${m.dbs.length ? `holds databases (${m.dbs.join(', ')})` : 'could not be read'}, so ReplicaDesk leaves it. Drop it yourself (pg_dropcluster --stop ${p.major} main) if it is not needed, then resume.`, { host: h })
        const r = await hosts.exec(h, ['pg_dropcluster', '--stop', p.major, 'main'], { timeoutMs: 60_000, ...asPostgres(p), okExitCodes: Array.from({ length: 256 }, (_, i) => i) })
        if (r.exitCode !== 0) throw failed(`pg_dropcluster ${p.major} main`, r, 'Drop it by hand, then resume.')
        report({ message: `the empty main cluster of ${p.major} removed` })
      },
    })
  }
  steps.push({
    id: 'verify',
    title: 'Check the install',
    hosts: [h],
    plan: () => [{ host: h, argv: ['test', '-x', binary] }],
    check: async () => false,
    async run(_ctx, report) {
      if (!(await installed())) throw new AppError('command_failed', `${binary} is not on ${h}. Resume the install.`, { host: h })
      const m = await main()
      report({ message: `PostgreSQL ${p.major} is installed on ${h}${m.exists ? (p.mainExisted ? '; its main cluster was there before and stays' : '; a main cluster exists') : '; no main cluster'}` })
    },
  })
  return steps
}

export const installKind = (hosts: HostExec) =>
  defineOperationKind({
    kind: 'install-postgres',
    params: installParams,
    build: ({ params }) => ({ title: `Install PostgreSQL ${params.major} on ${params.host}`, steps: buildInstall(hosts, params), summary: () => installSummary(params) }),
  })
