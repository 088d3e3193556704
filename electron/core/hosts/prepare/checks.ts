// What a login can do on a host, read by one constant script (run as the login, no sudo
// wrapper: `sudo -n -l CMD` asks sudo whether a command would be allowed without running it),
// and turned into checks, each with the exact line to add when something is missing.
import { sudoersLine, SUDOERS_FILE } from '../../address'
import type { PrepareCheck, PrepareCheckId, PrepareReport } from '../../../../shared/prepare'

/**
 * The file a login's prepare rule goes in, one per login (what `host clean` removes with the
 * others: /etc/sudoers.d/replicadesk-*). No dot in the name: sudo skips such files.
 */
export const prepareSudoersFile = (login: string) => `/etc/sudoers.d/replicadesk-user-${login.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64)}`

// Output: one `key=value` per line. $1: the major to ask apt's rule about.
export const CHECK_SCRIPT = `PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export LC_ALL=C
echo "login=$(id -un)"
if [ -r /etc/os-release ]; then . /etc/os-release; fi
echo "os_id=\${ID:-}"; echo "os_like=\${ID_LIKE:-}"; echo "os_name=\${PRETTY_NAME:-}"
if command -v apt-get >/dev/null 2>&1; then echo apt=yes; else echo apt=no; fi
for d in /usr/lib/postgresql/*/bin/postgres; do
  [ -x "$d" ] || continue
  v=\${d#/usr/lib/postgresql/}; echo "installed=\${v%%/*}"
done
if command -v apt-cache >/dev/null 2>&1; then apt-cache pkgnames postgresql- 2>/dev/null | sed -n 's/^postgresql-\\([0-9][0-9]*\\)$/offered=\\1/p'; fi
if [ -f /etc/postgresql-common/createcluster.conf ]; then echo createcluster=yes; else echo createcluster=no; fi
if getent passwd postgres >/dev/null 2>&1; then echo pguser=yes; else echo pguser=no; fi
if [ "$(id -u)" = 0 ] || sudo -n true >/dev/null 2>&1; then echo root=yes; else echo root=no; fi
if [ "$(id -un)" = postgres ]; then echo becomepg=self
elif sudo -n -u postgres true >/dev/null 2>&1; then echo becomepg=yes
else echo becomepg=no; fi
if sudo -n -l /usr/bin/apt-get install -y "postgresql-$1" >/dev/null 2>&1; then echo aptrule=yes; else echo aptrule=no; fi
ip=$(command -v ip || echo /usr/sbin/ip); arping=$(command -v arping || echo /usr/bin/arping)
echo "ip=$ip"; echo "arping=$arping"
if sudo -n -l "$ip" -4 addr add 192.0.2.1/32 dev lo >/dev/null 2>&1 && sudo -n -l "$arping" -D -c 1 -I lo 192.0.2.1 >/dev/null 2>&1; then echo iprule=yes; else echo iprule=no; fi`

export interface HostFacts {
  login: string
  osId: string
  osLike: string
  osName: string
  apt: boolean
  installed: string[]
  offered: string[]
  createclusterConf: boolean
  postgresUser: boolean
  root: boolean
  becomePostgres: 'self' | 'yes' | 'no'
  aptRule: boolean
  ipPath: string
  arpingPath: string
  ipRule: boolean
}

const byNumber = (a: string, b: string) => Number(a) - Number(b)
const uniq = (xs: string[]) => [...new Set(xs)].sort(byNumber)

/** The script's output as facts; unknown keys are ignored, missing ones read as "no". */
export function parseFacts(stdout: string): HostFacts {
  const all = stdout.split('\n').map((l) => /^([a-z_]+)=(.*)$/.exec(l.trim())).filter((m): m is RegExpExecArray => m !== null)
  const one = (k: string) => all.find((m) => m[1] === k)?.[2] ?? ''
  const many = (k: string) => all.filter((m) => m[1] === k && /^\d{2,3}$/.test(m[2]!)).map((m) => m[2]!)
  const yes = (k: string) => one(k) === 'yes'
  const become = one('becomepg')
  return {
    login: one('login'),
    osId: one('os_id'),
    osLike: one('os_like'),
    osName: one('os_name'),
    apt: yes('apt'),
    installed: uniq(many('installed')),
    offered: uniq(many('offered')),
    createclusterConf: yes('createcluster'),
    postgresUser: yes('pguser'),
    root: yes('root'),
    becomePostgres: become === 'self' || become === 'yes' ? become : 'no',
    aptRule: yes('aptrule'),
    ipPath: one('ip') || '/usr/sbin/ip',
    arpingPath: one('arping') || '/usr/bin/arping',
    ipRule: yes('iprule'),
  }
}

/** The major to install: asked, else the cluster's, else the newest offered (undefined: none known). */
export function chooseMajor(facts: Pick<HostFacts, 'offered'>, asked?: string): string | undefined {
  return asked ?? facts.offered.at(-1)
}

/** The sudoers rule for a package install of PostgreSQL (and the one setting written before it). */
export function installRule(login: string): string {
  return `${login} ALL=(root) NOPASSWD: /usr/bin/apt-get install -y postgresql-[0-9]*, /usr/bin/tee -a /etc/postgresql-common/createcluster.conf`
}

export const postgresRule = (login: string) => `${login} ALL=(postgres) NOPASSWD: ALL`

export const visudo = (host: string, file: string, line: string) => `on ${host}: sudo visudo -f ${file}, add: ${line}`

/** Every line this login needs (act as postgres, install, the service address): what --sudo-rule writes. */
export function ruleLines(f: Pick<HostFacts, 'login' | 'ipPath' | 'arpingPath'>): string[] {
  return [...(f.login === 'postgres' ? [] : [postgresRule(f.login)]), installRule(f.login), sudoersLine(f.login, f.ipPath, f.arpingPath)]
}

/** What sudo -n -l must then allow (argv after `sudo -n -l`), one per line's command. */
export function ruleCommands(f: Pick<HostFacts, 'login' | 'ipPath' | 'arpingPath'>, major: string): string[][] {
  return [
    ...(f.login === 'postgres' ? [] : [['-u', 'postgres', 'true']]),
    ['/usr/bin/apt-get', 'install', '-y', `postgresql-${major}`],
    ['/usr/bin/tee', '-a', '/etc/postgresql-common/createcluster.conf'],
    [f.ipPath, '-4', 'addr', 'add', '192.0.2.1/32', 'dev', 'lo'],
    [f.arpingPath, '-D', '-c', '1', '-I', 'lo', '192.0.2.1'],
  ]
}

const orWrite = (host: string, f: HostFacts) => (f.root ? ` (or let ReplicaDesk write it: replicadesk host prepare ${host} --sudo-rule)` : '')

/** Stream-local forwarding, as tested by opening a channel to a socket made for the test. */
export type StreamLocalState = 'allowed' | 'refused' | 'unknown'

export const SSHD_LINE = 'AllowStreamLocalForwarding local'

/** The checks of one host, each with what to do. */
export function buildChecks(host: string, f: HostFacts, stream: { state: StreamLocalState; why?: string }, major: string | undefined): PrepareCheck[] {
  const checks: PrepareCheck[] = []
  const system = f.osName || f.osId || 'unknown system'
  const manual = `install PostgreSQL ${major ?? ''} with the system's package manager (e.g. \`sudo dnf install postgresql-server\`, \`sudo pacman -S postgresql\`), then check again`.replace('  ', ' ')
  checks.push(f.apt
    ? { id: 'system', title: 'Debian-style system (apt)', state: 'ok', detail: system }
    : { id: 'system', title: 'Debian-style system (apt)', state: 'missing', detail: `${system}: no apt-get, so ReplicaDesk cannot install packages here`, fix: manual })
  const pkg = major ? `postgresql-${major}` : 'postgresql'
  checks.push(f.installed.length
    ? { id: 'postgres', title: 'PostgreSQL installed', state: 'ok', detail: `versions ${f.installed.join(', ')}` }
    : { id: 'postgres', title: 'PostgreSQL installed', state: 'missing', detail: `none${f.offered.length ? `; the distribution offers ${f.offered.join(', ')}` : ''}`, fix: f.apt ? `replicadesk host prepare ${host} --install (runs sudo -n apt-get install -y ${pkg}, without the default main cluster)` : manual })
  if (f.becomePostgres === 'self') checks.push({ id: 'become-postgres', title: 'Act as postgres', state: 'ok', detail: 'the login is postgres' })
  else if (f.becomePostgres === 'yes') checks.push({ id: 'become-postgres', title: 'Act as postgres', state: 'ok', detail: `${f.login} may run sudo -n -u postgres` })
  else checks.push({ id: 'become-postgres', title: 'Act as postgres', state: 'missing', detail: f.postgresUser ? `${f.login} may not run sudo -n -u postgres without a password` : 'there is no postgres user yet (the PostgreSQL package creates it)', fix: visudo(host, prepareSudoersFile(f.login), postgresRule(f.login)) + orWrite(host, f) })
  const canInstall = f.root || f.aptRule
  checks.push(canInstall
    ? { id: 'root-install', title: 'Root for package installs', state: 'ok', detail: f.root ? `${f.login} may run sudo -n as root` : `${f.login} may run sudo -n apt-get install -y ${pkg}` }
    : { id: 'root-install', title: 'Root for package installs', state: 'missing', detail: `${f.login} may not run sudo -n apt-get install`, fix: visudo(host, prepareSudoersFile(f.login), installRule(f.login)) })
  const address = f.root || f.ipRule
  checks.push(address
    ? { id: 'root-address', title: 'Root for the service address (ip, arping)', state: 'ok', detail: f.root ? 'through sudo -n as root' : 'a sudo rule allows ip addr add/del and arping' }
    : { id: 'root-address', title: 'Root for the service address (ip, arping)', state: 'missing', detail: `${f.login} may not run ip addr add/del and arping through sudo -n (needed only for a service address)`, fix: visudo(host, SUDOERS_FILE, sudoersLine(f.login, f.ipPath, f.arpingPath)) + orWrite(host, f) })
  const sshd = `on ${host}: in /etc/ssh/sshd_config set "${SSHD_LINE}" (or yes; DisableForwarding must be off, and the key of ${f.login} must have no "restrict" or "no-port-forwarding" in authorized_keys), then sudo systemctl reload ssh`
  if (stream.state === 'allowed') checks.push({ id: 'stream-local', title: 'sshd forwards to Unix sockets (status session)', state: 'ok', detail: 'a stream to a test socket opened' })
  else if (stream.state === 'refused') checks.push({ id: 'stream-local', title: 'sshd forwards to Unix sockets (status session)', state: 'missing', detail: 'sshd refused to open a stream to a test socket: ReplicaDesk reads the database status through one', fix: sshd })
  else checks.push({ id: 'stream-local', title: 'sshd forwards to Unix sockets (status session)', state: 'unknown', detail: `could not be tested${stream.why ? `: ${stream.why}` : ''}`, fix: sshd })
  return checks
}

/** What a host needs to run a member (root is needed only for installs and the service address). */
const MEMBER_NEEDS: readonly PrepareCheckId[] = ['postgres', 'become-postgres', 'stream-local', 'reach-members']

export function reportOf(host: string, f: HostFacts, checks: PrepareCheck[]): PrepareReport {
  const rule = f.login === 'root' ? {} : { sudoRule: { file: prepareSudoersFile(f.login), lines: ruleLines(f), writable: f.root } }
  return {
    ...rule,
    host,
    login: f.login,
    access: f.login === 'postgres' ? 'postgres' : 'sudo',
    debian: f.apt,
    installed: f.installed,
    offered: f.offered,
    checks,
    ready: checks.every((c) => c.state === 'ok'),
    memberMissing: checks.filter((c) => MEMBER_NEEDS.includes(c.id) && c.state === 'missing').map((c) => c.title),
  }
}
