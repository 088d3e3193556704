// Netns mode: each host is a network namespace on a private bridge plus a mount+UTS namespace
// kept alive by a holder process (`sleep`), in which sshd and the host's enabled units run with
// the host's private dirs and stand-ins bind-mounted over the real paths (boot-script.ts).
import { appendFileSync, existsSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bootScript } from './boot-script'
import { bindMounts, holderPidPath, hostRoot, killedPidsPath, sshdConfigPath, sshdLogPath, sshdPidPath, volatileDirs } from './host-files'
import { killUntilGone, zombies } from './procs'
import { LabError, run, waitFor } from './run'
import { assertSameRoot, enterArgs } from './same-root'
import { standInPath } from './standins'
import type { LabHost } from './state'

export async function createNetwork(bridge: string, gateway: string, hosts: LabHost[]) {
  const root = [
    `link add ${bridge} type bridge stp_state 0 forward_delay 0`,
    `addr add ${gateway}/24 dev ${bridge}`,
    `link set ${bridge} up`,
    ...hosts.flatMap((h) => [
      `netns add ${h.ns}`,
      // The host side is "eth0" in every host; the machine side carries the run's prefix.
      `link add ${h.veth} type veth peer name eth0 netns ${h.ns}`,
      `link set ${h.veth} master ${bridge}`,
      `link set ${h.veth} up`,
    ]),
  ]
  await run('ip', ['-batch', '-'], { input: root.join('\n') + '\n' })
  await Promise.all(
    hosts.map((h) =>
      run('ip', ['-n', h.ns, '-batch', '-'], {
        // No default route: the host reaches the bridge subnet and nothing beyond it.
        input: ['link set lo up', `addr add ${h.address}/24 dev eth0`, 'link set eth0 up'].join('\n') + '\n',
      }),
    ),
  )
}

const nsInode = (ns: string) => statSync(`/run/netns/${ns}`).ino

function pidInNs(pid: number, ns: string): boolean {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`) === `net:[${nsInode(ns)}]`
  } catch {
    return false // process gone (or the netns was deleted)
  }
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim())
    return pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** The pid whose namespaces are the host's (for nsenter), or undefined when the host is down. */
export function holderPid(h: LabHost): number | undefined {
  const pid = readPid(holderPidPath(h.dir))
  return pid && pidInNs(pid, h.ns) ? pid : undefined
}

export function sshdPid(h: LabHost): number | undefined {
  const pid = readPid(sshdPidPath(h.dir))
  return pid && pidInNs(pid, h.ns) ? pid : undefined
}

/** Reads the host's own TCP table: /proc/PID/net/tcp shows the netns of PID. */
function listening(pid: number, port: number): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  for (const file of ['tcp', 'tcp6']) {
    let text = ''
    try {
      text = readFileSync(`/proc/${pid}/net/${file}`, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      if (f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A') return true // 0A = LISTEN
    }
  }
  return false
}

/**
 * Boots a host whose processes are all gone: like a reboot, /run/postgresql and /run/mysqld start empty; sshd,
 * then the enabled units (unless `units: false`: power-on starts them once the link is up).
 */
export async function bootHost(h: LabHost, opts: { units?: boolean } = {}) {
  await waitForReaped(h)
  // existsSync: a lab laid out by older lab code lacks the newer dirs.
  for (const dir of volatileDirs.map((d) => join(hostRoot(h.dir), d)).filter((d) => existsSync(d))) {
    for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true })
  }
  rmSync(sshdPidPath(h.dir), { force: true })
  const mounts = bindMounts(h.dir).flat()
  const args = ['netns', 'exec', h.ns, 'unshare', '--uts', '--mount', '--propagation', 'private', '--']
  // --norc: node's pipes are sockets, and `bash -c` on a socket stdin reads ~/.bashrc as if started by sshd.
  const boot = ['bash', '--norc', '-c', bootScript, 'boot', h.hostname, sshdConfigPath(h.dir), sshdLogPath(h.dir), h.dir, ...mounts]
  // cwd /: the holder's cwd is where every later `nsenter -w` lands.
  const { stdout } = await run('ip', [...args, ...boot], { cwd: '/' })
  writeFileSync(holderPidPath(h.dir), stdout.trim() + '\n')
  await waitForSshd(h)
  if (opts.units !== false) await startEnabledUnits(h)
}

/** Like systemd at boot: the units enabled through the host's systemctl stand-in start. */
export async function startEnabledUnits(h: LabHost) {
  const pid = holderPid(h)
  if (!pid) throw new LabError(`${h.name}: holder process died during boot`)
  const systemctl = standInPath(h.dir, 'systemctl')
  if (existsSync(systemctl)) await run('nsenter', [...enterArgs(pid), '--', systemctl, 'rdlab-boot'], { cwd: '/', timeoutMs: 120_000 })
}

/** Starts sshd again in a host whose namespaces are still held (only sshd was gone). */
export async function startSshd(h: LabHost) {
  const pid = holderPid(h)
  if (!pid) return bootHost(h)
  await run('nsenter', [...enterArgs(pid), '--', '/usr/sbin/sshd', '-f', sshdConfigPath(h.dir), '-E', sshdLogPath(h.dir)], { cwd: '/' })
  await waitForSshd(h)
}

async function waitForSshd(h: LabHost) {
  const pid = holderPid(h)
  if (!pid) throw new LabError(`${h.name}: holder process died during boot (see ${sshdLogPath(h.dir)})`)
  // sshd forks into the background before it binds: wait for the listener, not the fork.
  await waitFor(`sshd on ${h.name}:${h.port}`, () => listening(pid, h.port) && sshdPid(h) !== undefined)
  await assertSameRoot(h.name, pid, [sshdPid(h)!])
}

export async function nsPids(ns: string): Promise<number[]> {
  const { stdout } = await run('ip', ['netns', 'pids', ns], { allowFail: true })
  return stdout.split('\n').filter(Boolean).map(Number)
}

/** kill -9 of every process of the host (`ip netns pids`), until none is left. */
export async function killHost(h: LabHost) {
  const killed = new Set<number>()
  const left = await killUntilGone(async () => {
    const pids = await nsPids(h.ns)
    pids.forEach((p) => killed.add(p))
    return pids
  })
  if (left.length) throw new LabError(`${h.name}: processes survive kill -9: ${left.join(' ')}`)
  // Appended: a second kill of a dead host must not forget the pids the first one killed.
  if (killed.size) appendFileSync(killedPidsPath(h.dir), [...killed].join('\n') + '\n')
}

/**
 * The dead stay zombies until PID 1 reaps them (about 1.5 s here), and kill -0 still finds a
 * zombie: a pid file left by the last run (postmaster.pid) would look alive. So a boot waits.
 */
async function waitForReaped(h: LabHost) {
  let pids: number[] = []
  try {
    pids = readFileSync(killedPidsPath(h.dir), 'utf8').split('\n').filter(Boolean).map(Number)
  } catch {
    return
  }
  await waitFor(`${h.name}: PID 1 to reap killed processes ${zombies(pids).join(' ')}`, () => zombies(pids).length === 0, 10_000)
  rmSync(killedPidsPath(h.dir), { force: true })
}

export const setLink = (h: LabHost, up: boolean) => run('ip', ['link', 'set', h.veth, up ? 'up' : 'down'])

export async function linkUp(h: LabHost): Promise<boolean> {
  const { stdout } = await run('ip', ['-o', 'link', 'show', h.veth])
  return /[<,]UP[,>]/.test(stdout)
}

// One set of refused TCP ports per host. Each call declares the table first (add is a no-op
// when it exists) and flushes the chain, so any call works on a fresh host and stays idempotent.
const nftPrelude = (extra: string[]) =>
  [
    'add table inet rdlab',
    'add set inet rdlab blocked { type inet_service; }',
    'add chain inet rdlab input { type filter hook input priority 0; policy accept; }',
    'flush chain inet rdlab input',
    // A reset, not a drop: the client sees "connection refused" at once, and open connections end.
    'add rule inet rdlab input tcp dport @blocked reject with tcp reset',
    ...extra,
  ].join('\n') + '\n'

const nft = (h: LabHost, input: string) => run('nsenter', [`--net=/run/netns/${h.ns}`, 'nft', '-f', '-'], { input })

export const blockPort = (h: LabHost, port: number) => nft(h, nftPrelude([`add element inet rdlab blocked { ${port} }`]))

// Adding before deleting makes unblocking a port that was never blocked a no-op, not an error.
export const unblockPort = (h: LabHost, port: number) =>
  nft(h, nftPrelude([`add element inet rdlab blocked { ${port} }`, `delete element inet rdlab blocked { ${port} }`]))

export const unblockAll = (h: LabHost) => nft(h, nftPrelude(['flush set inet rdlab blocked']))

export async function blockedPorts(h: LabHost): Promise<number[]> {
  const r = await run('nsenter', [`--net=/run/netns/${h.ns}`, 'nft', '-j', 'list', 'set', 'inet', 'rdlab', 'blocked'], { allowFail: true })
  if (r.code !== 0) return []
  const set = JSON.parse(r.stdout).nftables.find((o: { set?: unknown }) => o.set)?.set as { elem?: number[] } | undefined
  return set?.elem ?? []
}
