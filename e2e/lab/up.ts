// labUp / labDown: clean whatever earlier runs left, then build a fresh lab under a new prefix.
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { cleanRuns } from './cleanup'
import { fingerprint, makeKey, writeClientFiles } from './keys'
import { hostKeyPath, layOutNetnsHost, sshDir, writeLabAuthorizedKeys, writeSshdConfig } from './host-files'
import * as loopback from './loopback'
import { adminPassword, adminUser, ensurePackages, pgBin, pgVersion, prepareMachine } from './machine'
import { bridgeName, hostAddress, hostNamePattern, newPrefix, nsName, pickSubnet, vethName } from './naming'
import { bootHost, createNetwork } from './netns'
import { LabError, run } from './run'
import { registerRun, releaseOwner } from './runs'
import { bareHideList, installSystemctl, layOutBareHost } from './standins'
import { labRoot, statePath, writeLab, type Lab, type LabHost } from './state'

export interface LabUpOptions {
  /** host1…hostN (default 3). */
  hosts?: number
  /** Hosts whose admin sudo asks for a password; a name outside host1…hostN adds an extra host. */
  sudoPasswordHosts?: string[]
  /** Extra sshd_config lines by host name, '*' for every host (e.g. { host2: ['MaxSessions 2'] }). */
  sshdOptions?: Record<string, string[]>
  /**
   * Hosts that start bare: the database packages' files hidden inside that host until its apt-get
   * stand-in installs them. A name outside host1…hostN adds an extra host. netns mode only.
   */
  bareHosts?: string[]
  /** Groups of hosts that share one /etc/machine-id on purpose (e.g. [['host2', 'host3']]); others get their own. */
  sameMachineId?: string[][]
  /** 'auto' (default) tries network namespaces and falls back to loopback. */
  mode?: 'auto' | 'netns' | 'loopback'
  /**
   * false (default): the lab belongs to the calling process, and any later cleanup removes it
   * once that process is gone. true: it stays until `down` (the CLI's `up`).
   */
  persistent?: boolean
  log?: (msg: string) => void
}

async function netnsAllowed(prefix: string): Promise<boolean> {
  const probe = nsName(prefix, 'probe')
  const r = await run('ip', ['netns', 'add', probe], { allowFail: true })
  if (r.code !== 0) return false
  await run('ip', ['netns', 'del', probe])
  return true
}

function hostNames(count: number, extraHosts: string[]): string[] {
  if (!Number.isInteger(count) || count < 1 || count > 50) throw new LabError(`--hosts must be 1…50, got ${count}`)
  const names = Array.from({ length: count }, (_, i) => `host${i + 1}`)
  for (const n of extraHosts) {
    if (!hostNamePattern.test(n)) throw new LabError(`bad host name ${JSON.stringify(n)}: use [a-z][a-z0-9-]*`)
    if (!names.includes(n)) names.push(n)
  }
  return names
}

/** A fresh random machine-id per host (32 hex digits, as systemd-machine-id-setup writes), shared within each group. */
function assignMachineIds(names: string[], groups: string[][]): Map<string, string> {
  const ids = new Map(names.map((n) => [n, randomBytes(16).toString('hex')]))
  for (const group of groups) {
    const unknown = group.filter((n) => !names.includes(n))
    if (unknown.length) throw new LabError(`same machine-id for unknown hosts: ${unknown.join(', ')}`)
    for (const n of group) ids.set(n, ids.get(group[0]!)!)
  }
  return ids
}

export async function labUp(opts: LabUpOptions = {}): Promise<Lab> {
  const log = opts.log ?? (() => {})
  const started = performance.now()
  await ensurePackages(log)
  await prepareMachine()
  const removed = await cleanRuns()
  if (removed.length) log(`removed earlier runs: ${removed.join(', ')}`)
  const prefix = newPrefix()
  const dir = registerRun(prefix, statePath())
  try {
    const lab = await build(prefix, dir, opts, log, started)
    if (opts.persistent) releaseOwner(prefix)
    return lab
  } catch (err) {
    await cleanRuns().catch(() => {}) // never leave half a lab behind
    throw err
  }
}

async function build(prefix: string, dir: string, opts: LabUpOptions, log: (msg: string) => void, started: number): Promise<Lab> {
  const wanted = opts.mode ?? (process.env.REPLICADESK_LAB_MODE as LabUpOptions['mode']) ?? 'auto'
  const mode = wanted === 'auto' ? ((await netnsAllowed(prefix)) ? 'netns' : 'loopback') : wanted
  if (mode === 'loopback') {
    log('!!! LOOPBACK MODE: network namespaces are not available here (or were turned off).')
    log('!!! All hosts share this machine\'s filesystem, hostname and network; cut/heal/block are')
    log('!!! unavailable, no host asks for a sudo password, and tests that need netns print NOT RUN.')
  }
  const pwHosts = opts.sudoPasswordHosts ?? []
  const bareHosts = opts.bareHosts ?? []
  if (bareHosts.length && mode !== 'netns') throw new LabError('bare hosts need netns mode (their own mount namespace)')
  const names = hostNames(opts.hosts ?? 3, [...pwHosts, ...bareHosts])
  const machineIds = assignMachineIds(names, opts.sameMachineId ?? [])
  // sshd reads <dir>/authorized_keys/<user> as that user: every dir on the way must be world-readable.
  for (const d of [labRoot(), dir]) chmodSync(d, 0o755)
  mkdirSync(join(dir, 'client'), { mode: 0o700 })
  const x = mode === 'netns' ? await pickSubnet() : 0
  const ports = mode === 'netns' ? [] : loopback.loopbackPorts(names.length)

  const hosts: LabHost[] = names.map((name, i) => ({
    name,
    address: mode === 'netns' ? hostAddress(x, i + 1) : '127.0.0.1',
    port: mode === 'netns' ? 22 : ports[i]!,
    hostname: mode === 'netns' ? name : hostname(),
    hostKeyFingerprint: '',
    hostKeyPublic: '',
    sudoAsksPassword: mode === 'netns' && pwHosts.includes(name),
    ns: mode === 'netns' ? nsName(prefix, name) : '',
    veth: mode === 'netns' ? vethName(prefix, i + 1) : '',
    dir: join(dir, 'hosts', name),
    sshdOptions: [...(opts.sshdOptions?.['*'] ?? []), ...(opts.sshdOptions?.[name] ?? [])],
    machineId: mode === 'netns' ? machineIds.get(name)! : '',
    bare: bareHosts.includes(name),
  }))
  const unknown = Object.keys(opts.sshdOptions ?? {}).filter((k) => k !== '*' && !names.includes(k))
  if (unknown.length) throw new LabError(`sshd options for unknown hosts: ${unknown.join(', ')}`)

  const clientKeyPath = join(dir, 'client', 'id_ed25519')
  const clientPublicKey = await makeKey(clientKeyPath, 'replicadesk-lab-client')
  const authorizedKeysDir = join(dir, 'authorized_keys')
  // postgres's key sits in its per-host home in netns mode; its home is the machine's in loopback.
  writeLabAuthorizedKeys(authorizedKeysDir, mode === 'netns' ? [adminUser] : [adminUser, 'postgres'], clientPublicKey)

  const hideList = bareHosts.length ? await bareHideList() : ''
  await Promise.all(
    hosts.map(async (h) => {
      mkdirSync(sshDir(h.dir), { recursive: true, mode: 0o700 })
      h.hostKeyPublic = await makeKey(hostKeyPath(h.dir), `root@${h.hostname}`)
      h.hostKeyFingerprint = fingerprint(h.hostKeyPublic)
      const listen = mode === 'loopback' ? { address: '127.0.0.1', port: h.port } : undefined
      writeSshdConfig({ hostDir: h.dir, authorizedKeysDir, listen, extra: h.sshdOptions })
      if (mode === 'netns') {
        const peers = hosts.map((p) => ({ name: p.name, address: p.address }))
        layOutNetnsHost({ hostDir: h.dir, name: h.name, sudoAsksPassword: h.sudoAsksPassword, clientPublicKey, peers, machineId: h.machineId })
        installSystemctl(h.dir)
        if (h.bare) layOutBareHost(h.dir, hideList)
      }
    }),
  )

  const lab: Lab = {
    version: 1,
    prefix,
    mode,
    dir,
    subnet: mode === 'netns' ? `10.77.${x}.0/24` : '127.0.0.1',
    bridge: mode === 'netns' ? bridgeName(prefix) : '',
    gateway: mode === 'netns' ? `10.77.${x}.1` : '127.0.0.1',
    hosts,
    clientKeyPath,
    clientPublicKey,
    knownHostsPath: join(dir, 'client', 'known_hosts'),
    sshConfigPath: join(dir, 'client', 'ssh_config'),
    users: { postgres: 'postgres', admin: adminUser },
    adminPassword,
    pgBin,
    pgVersion,
    createdAt: new Date().toISOString(),
    upMs: 0,
  }
  if (mode === 'netns') {
    await createNetwork(lab.bridge, lab.gateway, hosts)
    await Promise.all(hosts.map((h) => bootHost(h)))
  } else {
    loopback.writeLoopbackSudoers(prefix)
    await Promise.all(hosts.map((h) => loopback.startSshd(h)))
  }
  writeClientFiles(lab)
  lab.upMs = Math.round(performance.now() - started)
  writeLab(lab)
  log(`lab ${prefix} up in ${lab.upMs} ms (${mode}, ${hosts.length} hosts); state: ${statePath()}`)
  return lab
}

/**
 * Tears down the lab of this state file and every crashed run; `all` also removes labs that
 * other state files (other developers, other test runs) still use. Returns what was removed.
 */
export async function labDown(opts: { all?: boolean } = {}): Promise<string[]> {
  return cleanRuns(opts)
}
