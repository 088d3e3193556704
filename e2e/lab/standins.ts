// Installs a netns host's stand-ins for what a real box has and the lab cannot share: a systemctl
// (every host) and, on a bare host, an apt-get plus the list of the database packages' files that
// boot hides. The scripts live in standins/; each host gets a copy headed with its own dir, which
// boot-script.ts binds over /usr/bin/<name> inside that host only.
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { hostRoot } from './host-files'
import { run } from './run'
import { findHost, readLab, type LabHost } from './state'

const source = (name: string) => join(import.meta.dirname, 'standins', `${name}.sh`)
export const standInPath = (hostDir: string, name: string) => join(hostDir, 'bin', name)
/**
 * The systemctl stand-in's state (units' pids, logs), read by any user (`systemctl is-active`):
 * beside the hosts, in the run dir, since host dirs stay closed to the other hosts' users.
 */
export const unitStateDir = (hostDir: string) => join(hostDir, '..', '..', 'systemd', basename(hostDir))
export const bareDir = (hostDir: string) => join(hostDir, 'bare')
/** One line per `apt-get install` the product ran on a bare host ("<UTC time> install PKG…"). */
export const aptRequestsPath = (hostDir: string) => join(bareDir(hostDir), 'apt-requests.log')

/** What the product asked of a bare host's apt-get, oldest first: ["install postgresql-15", …]. */
export function aptRequests(host: string | LabHost, lab = readLab()): string[] {
  const path = aptRequestsPath(findHost(lab, host).dir)
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ').slice(1).join(' '))
}

/** The packages a bare host lacks until apt-get installs one of them (then all are there). */
export const barePackages = ['postgresql-15', 'postgresql-client-15', 'postgresql-common', 'postgresql-client-common']
const bareDirs = ['/usr/lib/postgresql', '/usr/share/postgresql', '/usr/share/postgresql-common']

function install(hostDir: string, name: string) {
  const body = readFileSync(source(name), 'utf8').replace(/^#!.*\n/, '')
  const header = [
    '#!/bin/bash',
    `# Installed by the ReplicaDesk lab for this host; source: e2e/lab/standins/${name}.sh`,
    `LAB_HOST_DIR='${hostDir}'`,
    `LAB_UNIT_STATE='${unitStateDir(hostDir)}'`,
  ].join('\n')
  // Executed through its bind mount over /usr/bin/<name>: the host dir's own mode (0700) does not matter.
  mkdirSync(join(hostDir, 'bin'), { recursive: true, mode: 0o755 })
  writeFileSync(standInPath(hostDir, name), `${header}\n${body}`, { mode: 0o755 })
}

export function installSystemctl(hostDir: string) {
  install(hostDir, 'systemctl')
  const state = unitStateDir(hostDir)
  mkdirSync(join(state, 'units'), { recursive: true })
  for (const d of [join(state, '..'), state, join(state, 'units')]) chmodSync(d, 0o755)
}

/** The /usr/bin names the machine's database packages own (`dpkg -L`), read once per `up`. */
export async function bareHideList(): Promise<string> {
  const { stdout } = await run('dpkg', ['-L', ...barePackages], { allowFail: true })
  const bins = [...new Set(stdout.split('\n').filter((p) => /^\/usr\/bin\/[^/]+$/.test(p)))].map((p) => `bin ${p.slice('/usr/bin/'.length)}`)
  return [...bareDirs.filter((d) => existsSync(d)).map((d) => `dir ${d}`), ...bins].join('\n') + '\n'
}

/**
 * A bare host: apt-get stand-in, the hide list, an empty dir to bind over the packages' dirs, and
 * its own /etc/postgresql-common (the product may write createcluster.conf before installing),
 * copied from the machine with Debian's default (create a `main` cluster) restored.
 */
export function layOutBareHost(hostDir: string, hideList: string) {
  install(hostDir, 'apt-get')
  const dir = bareDir(hostDir)
  for (const d of ['empty', 'whiteouts']) mkdirSync(join(dir, d), { recursive: true, mode: 0o755 })
  writeFileSync(join(dir, 'hidden'), hideList)
  writeFileSync(aptRequestsPath(hostDir), '')
  const common = join(hostRoot(hostDir), 'etc/postgresql-common')
  cpSync('/etc/postgresql-common', common, { recursive: true, verbatimSymlinks: true })
  const conf = join(common, 'createcluster.conf')
  if (existsSync(conf)) {
    writeFileSync(conf, readFileSync(conf, 'utf8').replace(/^\s*#?\s*create_main_cluster\s*=.*$/m, '#create_main_cluster = true'))
  }
}
