// Lays out one host's machine-side dir: its private copies of per-machine paths (bind-mounted
// over the real paths inside the host), its sshd config and host key, sudoers and authorized keys.
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { adminUser, userInfo } from './machine'

/**
 * Real path inside the host → owner and mode of the host's private copy (Debian's own); `copy`:
 * filled from the machine's dir at `up` (a config tree each host edits on its own), else empty.
 */
const privateDirs: Record<string, { owner: string; group: string; mode: number; copy?: true }> = {
  '/etc/postgresql': { owner: 'postgres', group: 'postgres', mode: 0o755 },
  '/var/lib/postgresql': { owner: 'postgres', group: 'postgres', mode: 0o755 },
  '/run/postgresql': { owner: 'postgres', group: 'postgres', mode: 0o2775 },
  '/var/log/postgresql': { owner: 'root', group: 'postgres', mode: 0o1775 },
  '/etc/sudoers.d': { owner: 'root', group: 'root', mode: 0o755 },
  // ReplicaDesk's own per-host dir (lease locks); owned by postgres, the user it runs as.
  '/var/lib/replicadesk': { owner: 'postgres', group: 'postgres', mode: 0o755 },
  '/tmp': { owner: 'root', group: 'root', mode: 0o1777 },
  // Where admins like to put data dirs outside /var/lib (pg_createcluster -d /srv/…).
  '/srv': { owner: 'root', group: 'root', mode: 0o755 },
  // Units the product installs; enabled units' symlinks (the systemctl stand-in). Starts empty.
  '/etc/systemd/system': { owner: 'root', group: 'root', mode: 0o755 },
  // keepalived.conf differs per host (its own address, its peers), as on real boxes. Starts empty.
  '/etc/keepalived': { owner: 'root', group: 'root', mode: 0o755 },
  // Patroni's configs (/etc/patroni/MAJOR-MEMBER.yml), one box's own as on real ones: shared, two
  // labs up at once (separate runs) would overwrite each other's members of the same name. Starts empty.
  '/etc/patroni': { owner: 'root', group: 'root', mode: 0o755 },
  // MariaDB's Debian layout: the datadir (starts empty: no server until one is initialised), the
  // socket and pid dir (emptied at boot, like /run), the log dir, and /etc/mysql's config tree.
  '/var/lib/mysql': { owner: 'mysql', group: 'mysql', mode: 0o755 },
  '/run/mysqld': { owner: 'mysql', group: 'root', mode: 0o755 },
  '/var/log/mysql': { owner: 'mysql', group: 'mysql', mode: 0o2750 },
  '/etc/mysql': { owner: 'root', group: 'root', mode: 0o755, copy: true },
}
/** Private dirs that start empty at every boot, as /run does on a real box. */
export const volatileDirs = ['/run/postgresql', '/run/mysqld']
/** Files every host has its own copy of; the machine-id pair only where the machine has them. */
const privateFiles = ['/etc/hosts', '/etc/hostname', '/etc/machine-id', '/var/lib/dbus/machine-id']
/** Dirs only some hosts keep private (a bare host's /etc/postgresql-common): bound when laid out. */
const optionalDirs = ['/etc/postgresql-common']

export const hostRoot = (hostDir: string) => join(hostDir, 'root')
export const sshDir = (hostDir: string) => join(hostDir, 'ssh')
export const sshdConfigPath = (hostDir: string) => join(sshDir(hostDir), 'sshd_config')
export const hostKeyPath = (hostDir: string) => join(sshDir(hostDir), 'ssh_host_ed25519_key')
export const sshdPidPath = (hostDir: string) => join(hostDir, 'sshd.pid')
export const sshdLogPath = (hostDir: string) => join(hostDir, 'sshd.log')
export const holderPidPath = (hostDir: string) => join(hostDir, 'holder.pid')
export const killedPidsPath = (hostDir: string) => join(hostDir, 'killed.pids')

/** [source, target] pairs for `mount --bind`, in mount order (only copies laid out for this host). */
export function bindMounts(hostDir: string): [string, string][] {
  const optional = [...privateFiles, ...optionalDirs].filter((p) => existsSync(join(hostRoot(hostDir), p)))
  return [...Object.keys(privateDirs), ...optional].map((p) => [join(hostRoot(hostDir), p), p])
}

const groupId = (name: string) => (name === 'root' ? 0 : userInfo(name).gid)
const uid = (name: string) => (name === 'root' ? 0 : userInfo(name).uid)

function ownedDir(path: string, owner: string, group: string, mode: number) {
  mkdirSync(path, { recursive: true })
  chownSync(path, uid(owner), groupId(group))
  chmodSync(path, mode) // mkdir's mode is cut by the umask and drops setgid/sticky bits
}

function ownedFile(path: string, text: string, owner: string, mode: number) {
  writeFileSync(path, text)
  chownSync(path, uid(owner), groupId(owner))
  chmodSync(path, mode)
}

export interface HostFilesInput {
  hostDir: string
  name: string
  sudoAsksPassword: boolean
  clientPublicKey: string
  /** All hosts' names and addresses, for the host's own /etc/hosts. */
  peers: { name: string; address: string }[]
  /** 32 hex digits, the host's /etc/machine-id (and /var/lib/dbus/machine-id where the machine has one). */
  machineId: string
}

export function layOutNetnsHost(h: HostFilesInput) {
  mkdirSync(h.hostDir, { recursive: true, mode: 0o755 })
  for (const [path, m] of Object.entries(privateDirs)) {
    ownedDir(join(hostRoot(h.hostDir), path), m.owner, m.group, m.mode)
    // verbatimSymlinks: /etc/mysql/my.cnf → /etc/alternatives/my.cnf → /etc/mysql/mariadb.cnf resolves to the host's copy.
    if (m.copy) cpSync(path, join(hostRoot(h.hostDir), path), { recursive: true, verbatimSymlinks: true })
  }
  const etc = join(hostRoot(h.hostDir), 'etc')
  const hosts = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', ...h.peers.map((p) => `${p.address}\t${p.name}`)]
  ownedFile(join(etc, 'hosts'), hosts.join('\n') + '\n', 'root', 0o644)
  ownedFile(join(etc, 'hostname'), `${h.name}\n`, 'root', 0o644)
  for (const f of ['/etc/machine-id', '/var/lib/dbus/machine-id'].filter((f) => existsSync(f))) {
    mkdirSync(join(hostRoot(h.hostDir), f, '..'), { recursive: true })
    ownedFile(join(hostRoot(h.hostDir), f), `${h.machineId}\n`, 'root', 0o444)
  }
  ownedFile(join(etc, 'sudoers.d', adminUser), sudoersText(h.sudoAsksPassword), 'root', 0o440)
  // postgres logs in with the key in its own (per-host) home, as on a real box.
  const pgSsh = join(hostRoot(h.hostDir), 'var/lib/postgresql/.ssh')
  ownedDir(pgSsh, 'postgres', 'postgres', 0o700)
  ownedFile(join(pgSsh, 'authorized_keys'), `${h.clientPublicKey} replicadesk-lab\n`, 'postgres', 0o600)
}

export function sudoersText(asksPassword: boolean): string {
  return asksPassword
    ? // timestamp_timeout=0: /run/sudo is shared by all hosts, so a cached password must not leak to `sudo -n`.
      `${adminUser} ALL=(ALL:ALL) ALL\nDefaults:${adminUser} timestamp_timeout=0\n`
    : `${adminUser} ALL=(ALL:ALL) NOPASSWD: ALL\n`
}

/**
 * Keys the lab authorizes outside users' homes (one file per user, %u): the admin user's home
 * is shared by all hosts, and in loopback mode so is postgres's.
 */
export function writeLabAuthorizedKeys(dir: string, users: string[], clientPublicKey: string) {
  mkdirSync(dir, { recursive: true, mode: 0o755 })
  // sshd reads these as the user (StrictModes): root-owned, world-readable, in root-owned dirs.
  for (const u of users) ownedFile(join(dir, u), `${clientPublicKey} replicadesk-lab\n`, 'root', 0o644)
}

export interface SshdConfigInput {
  hostDir: string
  authorizedKeysDir: string
  /** Loopback mode: 127.0.0.1:port; netns mode: port 22 on every address of the host. */
  listen?: { address: string; port: number }
  extra: string[]
}

export function writeSshdConfig(c: SshdConfigInput) {
  const lines = [
    '# ReplicaDesk lab host (generated by e2e/lab); sshd defaults otherwise, e.g. MaxSessions 10',
    // sshd keeps the first value it reads for a keyword: the caller's options go first to win.
    ...c.extra,
    ...(c.listen ? [`ListenAddress ${c.listen.address}:${c.listen.port}`] : ['Port 22']),
    `HostKey ${hostKeyPath(c.hostDir)}`,
    `PidFile ${sshdPidPath(c.hostDir)}`, // /run is shared by all hosts
    `AuthorizedKeysFile .ssh/authorized_keys ${c.authorizedKeysDir}/%u`,
    'UsePAM yes', // the Debian postgres account is locked; only PAM lets it log in with a key
    'KbdInteractiveAuthentication no',
    'PasswordAuthentication yes',
    'PrintMotd no',
    'AcceptEnv LANG LC_*',
    'Subsystem sftp /usr/lib/openssh/sftp-server',
  ]
  mkdirSync(sshDir(c.hostDir), { recursive: true, mode: 0o700 })
  writeFileSync(sshdConfigPath(c.hostDir), lines.join('\n') + '\n', { mode: 0o600 })
}
