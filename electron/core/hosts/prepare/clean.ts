// host clean: everything ReplicaDesk put on a host that no cluster record still uses, listed
// as a plan (dry run), removed after confirmation. Refused while a record uses the host.
import { AppError } from '../../../../shared/errors'
import type { HostCleanResult } from '../../../../shared/prepare'
import type { PgCluster } from '../../../../shared/postgres'
import type { StepCommand } from '../../operations'
import type { HostExec } from '../../engines/host-exec'
import { CONF_MARKER, CREATECLUSTER_CONF } from '../../engines/postgres/install'
import { HOME_SURVEY, journaledTraces, leftAlways, parseSurvey, pgpassWithout, ROOT_SURVEY, usersOf, type Survey } from './clean-survey'

const ANY = Array.from({ length: 256 }, (_, i) => i)

export interface CleanDeps {
  exec: HostExec
  clusters: () => Promise<PgCluster[]>
  /** Params of every journaled operation (service addresses and roles of forgotten clusters). */
  journaled: () => Promise<unknown[]>
}

interface Removal {
  what: string
  cmd: StepCommand
  stdin?: string
  sudo?: true | 'postgres'
}

// $1 the marker line: it and the create_main_cluster line after it go.
const CONF_CLEAN = `f=/etc/postgresql-common/createcluster.conf
awk -v m="$1" 'skip { skip = 0; if ($0 ~ /^[[:space:]]*create_main_cluster/) next } $0 == m { skip = 1; next } { print }' "$f" > "$f.rd-new" && cat "$f.rd-new" > "$f" && rm -f -- "$f.rd-new"`
const RM_VARLIB = `rm -rf -- "$@" && { rmdir /var/lib/replicadesk 2>/dev/null; exit 0; }`
const UNIT_RM = 'systemctl disable --now "${1##*/}" >/dev/null 2>&1; rm -f -- "$1" && systemctl daemon-reload'
const PGPASS_WRITE = 'umask 077; n="$HOME/.pgpass.rd-new"; cat > "$n" || exit 1; if [ -s "$n" ]; then mv -f -- "$n" "$HOME/.pgpass"; else rm -f -- "$n" "$HOME/.pgpass"; fi'

export async function planClean(d: CleanDeps, host: string, login: string): Promise<{ removals: Removal[]; left: string[]; survey: Survey }> {
  const users = usersOf(await d.clusters(), host)
  if (users.length) throw new AppError('conflict', `host clean refused: ${host} is still used by ${users.join('; ')}. Then clean again.`, { host })
  const asPg = login === 'postgres' ? {} : { sudo: 'postgres' as const }
  const run = async (argv: string[], opts: object, what: string) => {
    try {
      return await d.exec.exec(host, argv, { timeoutMs: 20_000, okExitCodes: ANY, ...opts })
    } catch (err) {
      throw new AppError((err as AppError).code ?? 'command_failed', `Reading ${what} on ${host} failed: ${(err as Error).message} Check that ${host} is up and that ${login} may run sudo -n -u postgres, then try again.`, { host })
    }
  }
  const pg = await run(['sh', '-c', HOME_SURVEY, 'rd-clean'], asPg, "the postgres user's ~/.replicadesk")
  const own = login === 'postgres' ? pg : await run(['sh', '-c', HOME_SURVEY, 'rd-clean'], {}, `${login}'s ~/.replicadesk`)
  const rootOut = await run(['sh', '-c', ROOT_SURVEY, 'rd-clean', CONF_MARKER], {}, "ReplicaDesk's system files")
  const survey = parseSurvey(pg.stdout, own.stdout, rootOut.stdout)
  if (survey.live.length) throw new AppError('conflict', `host clean refused: an operation holds a lease on ${host} now (${survey.live.join('; ')}). Wait for it to end, then clean again.`, { host })

  const removals: Removal[] = []
  const left = leftAlways(survey)
  const pgHome = pg.stdout.split('\n').find((l) => l.startsWith('home '))?.slice(5)
  for (const home of survey.homes) {
    const isPg = home === pgHome
    removals.push({ what: `${home} (${isPg ? 'fence markers, lease dirs, claims, rejoin state' : 'lease dirs of host operations'})`, cmd: { host, argv: ['rm', '-rf', '--', home], ...(isPg && login !== 'postgres' ? { runAs: 'postgres' } : {}) }, ...(isPg && login !== 'postgres' ? { sudo: 'postgres' as const } : {}) })
  }
  const records = await d.clusters()
  const traces = journaledTraces(await d.journaled())
  if (survey.pgpass) {
    const file = await run(['sh', '-c', 'cat -- "$HOME/.pgpass"', 'rd-clean'], asPg, "the postgres user's ~/.pgpass")
    const roles = [...new Set(['replicadesk', ...traces.roles, ...records.map((c) => c.replicationRole)])]
    const next = pgpassWithout(file.stdout, roles)
    if (next.removed) removals.push({ what: `${next.removed} line(s) of ReplicaDesk's replication role (${roles.join(', ')}) in the postgres user's ~/.pgpass${next.text ? '' : ' (the file goes: nothing else is in it)'}`, cmd: { host, argv: ['sh', '-c', PGPASS_WRITE, 'rd-clean'], ...(login !== 'postgres' ? { runAs: 'postgres' } : {}), note: 'the other lines over stdin' }, stdin: next.text, ...(login !== 'postgres' ? { sudo: 'postgres' as const } : {}) })
  }
  const kept = new Set(records.flatMap((c) => (c.serviceAddress ? [c.serviceAddress.address] : [])))
  const held = survey.addrs.filter((a) => traces.addresses.includes(a.cidr.split('/')[0]!) && !kept.has(a.cidr.split('/')[0]!))
  for (const a of held) removals.push({ what: `the service address ${a.cidr} on ${a.iface}`, cmd: { host, argv: ['sudo', '-n', 'ip', '-4', 'addr', 'del', a.cidr, 'dev', a.iface], runAs: 'root' } })
  const rootItems: Removal[] = [
    ...survey.units.map((u) => ({ what: `the unit ${u}`, cmd: { host, argv: ['sh', '-c', UNIT_RM, 'rd-clean', u], runAs: 'root' }, sudo: true as const })),
    ...survey.rootPaths.filter((p) => p.startsWith('/etc/sudoers.d/')).map((p) => ({ what: `the sudo rule ${p}`, cmd: { host, argv: ['rm', '-f', '--', p], runAs: 'root' }, sudo: true as const })),
    ...(survey.conf ? [{ what: `create_main_cluster = false in ${CREATECLUSTER_CONF} (Debian's default comes back)`, cmd: { host, argv: ['sh', '-c', CONF_CLEAN, 'rd-clean', CONF_MARKER], runAs: 'root' }, sudo: true as const }] : []),
  ]
  const varlib = survey.rootPaths.filter((p) => p.startsWith('/var/lib/replicadesk'))
  if (varlib.length) rootItems.push({ what: `${varlib.join(', ')} (etcd data, leases)`, cmd: { host, argv: ['sh', '-c', RM_VARLIB, 'rd-clean', ...varlib], runAs: 'root' }, sudo: true })
  if (survey.root) removals.push(...rootItems)
  else left.push(...rootItems.map((r) => `${r.what}: needs root, which ${login} cannot get through sudo -n; on ${host} run as root: ${r.cmd.argv.join(' ')}`))
  return { removals, left, survey }
}

export function cleanPlan(host: string, removals: Removal[], left: string[]): HostCleanResult {
  const steps = removals.map((r, i) => ({ id: `remove-${i + 1}`, title: `Remove ${r.what}`, hosts: [host], undoable: false, commands: [{ host, argv: r.cmd.argv.map(String), ...(r.cmd.runAs && { runAs: r.cmd.runAs }), ...(r.cmd.note && { note: r.cmd.note }) }] }))
  const leave = { id: 'leave', title: `Left in place: ${left.join('; ')}`, hosts: [host], undoable: false, commands: [] }
  return { dryRun: true, left, plan: { kind: 'host-clean', clusterId: `host.${host}`, title: removals.length ? `Remove what ReplicaDesk put on ${host}` : `Nothing of ReplicaDesk's to remove on ${host}`, summary: [removals.length ? `${removals.length} thing${removals.length === 1 ? '' : 's'} of ReplicaDesk's go from ${host}: ${removals.map((r) => r.what).join('; ')}.` : `Nothing of ReplicaDesk's is on ${host}.`, 'Data dirs, Debian clusters and the packages stay.'], members: [host], steps: [...steps, leave] } }
}

export async function runClean(d: CleanDeps, host: string, removals: Removal[], left: string[]): Promise<HostCleanResult> {
  const removed: string[] = []
  for (const r of removals) {
    const res = await d.exec.exec(host, r.cmd.argv, { timeoutMs: 30_000, okExitCodes: ANY, ...(r.stdin !== undefined && { stdin: r.stdin }), ...(r.sudo && { sudo: r.sudo }) })
    if (res.exitCode !== 0) {
      const why = res.stderr.trim().split('\n').slice(-2).join(' ') || `exit ${res.exitCode}`
      throw new AppError('command_failed', `host clean on ${host}: removing ${r.what} failed (${why}). Removed so far: ${removed.join('; ') || 'nothing'}. Fix it on ${host}, then run host clean again (it lists what is still there).`, { host, removed })
    }
    removed.push(r.what)
  }
  return { dryRun: false, host, removed, left }
}
