// Prepares the machine once per `up`: Debian packages, the lab users and the few shared
// dirs sshd and the bind mounts need. Every step checks first, so a prepared machine costs
// one dpkg-query and a few stat calls.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cleanEnv, LabError, run } from './run'

// tcsh: a non-POSIX login shell, for the SSH layer's refusal test.
// systemd: not run, but its /usr/bin/systemctl is where each host's stand-in is bound.
// iputils-arping: /usr/bin/arping on every host, for the service address (duplicate-address
// probe, gratuitous ARP).
// patroni, etcd-server, etcd-client: automatic failover (Patroni 3.0.2, etcd 3.4.23); ~13 s to
// install on a machine that has PostgreSQL already.
// keepalived (2.2.7) and curl: the service address in automatic mode and Patroni's role-change callback.
// mariadb-server, mariadb-backup, mariadb-client (10.11): the MariaDB engine; installed with every
// service start refused (policy-rc.d), so the machine itself never runs a server.
export const packages = ['openssh-server', 'openssh-client', 'postgresql-15', 'sudo', 'iproute2', 'nftables', 'util-linux', 'tcsh', 'systemd', 'iputils-arping', 'patroni', 'etcd-server', 'etcd-client', 'openssl', 'keepalived', 'curl', 'mariadb-server', 'mariadb-backup', 'mariadb-client']
export const adminUser = 'rdadmin'
// Only sshd on the lab's private bridge accepts it; tests need it for the sudo-password path.
export const adminPassword = 'rdadmin-lab-password'
export const pgVersion = '15'
export const pgBin = `/usr/lib/postgresql/${pgVersion}/bin`

const aptEnv = { ...cleanEnv, DEBIAN_FRONTEND: 'noninteractive' }

async function missingPackages(names: string[]): Promise<string[]> {
  const { stdout } = await run('dpkg-query', ['-W', '-f=${Package} ${db:Status-Abbrev}\n', ...names], { allowFail: true })
  const installed = new Set(
    stdout
      .split('\n')
      .filter((l) => / ii ?$/.test(l))
      .map((l) => l.split(' ')[0]),
  )
  return names.filter((n) => !installed.has(n))
}

async function aptInstall(names: string[]) {
  const args = ['install', '-y', '--no-upgrade', '--no-install-recommends', ...names]
  const first = await run('apt-get', args, { env: aptEnv, allowFail: true, timeoutMs: 600_000 })
  if (first.code === 0) return
  // Package lists may be missing or old on a fresh machine: update once, then retry.
  await run('apt-get', ['update'], { env: aptEnv, timeoutMs: 300_000 })
  await run('apt-get', args, { env: aptEnv, timeoutMs: 600_000 })
}

/** Without this, installing postgresql-15 creates (and on systemd boxes starts) a `main` cluster on 5432. */
function disableMainCluster() {
  const conf = '/etc/postgresql-common/createcluster.conf'
  const text = readFileSync(conf, 'utf8')
  if (/^\s*create_main_cluster\s*=\s*false/m.test(text)) return
  const line = 'create_main_cluster = false'
  const next = /^\s*#?\s*create_main_cluster\s*=.*$/m.test(text)
    ? text.replace(/^\s*#?\s*create_main_cluster\s*=.*$/m, line)
    : `${text.trimEnd()}\n${line}\n`
  writeFileSync(conf, next)
}

const policyRcD = '/usr/sbin/policy-rc.d'

/**
 * Runs `fn` with invoke-rc.d refusing every start (policy-rc.d exit 101): without systemd, the
 * postinst of mariadb-server (and of other daemons) would start the machine's own server. An
 * existing policy-rc.d (container images ship one) is put back as it was afterwards, even on failure.
 */
export async function withoutServiceStarts<T>(fn: () => Promise<T>): Promise<T> {
  const saved = existsSync(policyRcD) ? { text: readFileSync(policyRcD), mode: statSync(policyRcD).mode & 0o7777 } : undefined
  writeFileSync(policyRcD, '#!/bin/sh\n# ReplicaDesk lab: no service starts while it installs packages\nexit 101\n')
  chmodSync(policyRcD, 0o755)
  try {
    return await fn()
  } finally {
    if (saved) {
      writeFileSync(policyRcD, saved.text)
      chmodSync(policyRcD, saved.mode)
    } else rmSync(policyRcD, { force: true })
  }
}

export async function ensurePackages(log: (msg: string) => void) {
  const missing = await missingPackages(packages)
  if (missing.length === 0) return
  log(`installing Debian packages: ${missing.join(' ')}`)
  if (missing.includes('postgresql-15')) {
    // postgresql-common owns createcluster.conf: install it alone, then edit, then the server.
    if ((await missingPackages(['postgresql-common'])).length) await aptInstall(['postgresql-common'])
    disableMainCluster()
  }
  await withoutServiceStarts(() => aptInstall(missing))
  const still = await missingPackages(packages)
  if (still.length) throw new LabError(`packages still missing after apt-get install: ${still.join(' ')}`)
}

function hasUser(name: string) {
  return readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .some((l) => l.startsWith(`${name}:`))
}

export async function prepareMachine() {
  if (!hasUser('postgres')) throw new LabError('user postgres missing although postgresql-15 is installed')
  if (!hasUser('mysql')) throw new LabError('user mysql missing although mariadb-server is installed')
  if (!hasUser(adminUser)) {
    await run('useradd', ['--create-home', '--shell', '/bin/bash', adminUser])
    await run('chpasswd', [], { input: `${adminUser}:${adminPassword}\n` })
  }
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }) // sshd's privilege-separation dir; systemd would make it
  // Mount points for per-host copies that a stock Debian box may lack.
  // /run/mysqld and /var/log/mysql: made by the init script or not at all on a fresh Debian 12 box.
  const dirs = ['/var/lib/replicadesk', '/var/log/postgresql', '/etc/sudoers.d', '/etc/systemd/system', '/run/postgresql', '/var/lib/mysql', '/run/mysqld', '/var/log/mysql', '/etc/mysql']
  for (const dir of dirs) {
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o755 })
  }
}

export function userInfo(name: string): { uid: number; gid: number; home: string } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`))
  if (!line) throw new LabError(`no user ${name} on this machine`)
  const f = line.split(':')
  return { uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/' }
}
