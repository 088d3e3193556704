// What a host offers a new member (binaries, data dir, disk, port, reachability), read in one
// command, and the pre-flight verdict on it: every refusal names the host and says what to do.
import { claimKey, parseClaim, type Claim } from './claims'
import { pgError } from './errors'
import { mb } from './format'
import { hostAddresses } from './hba'
import { binDir, debianConfDir, logFile, type PgMember } from './model'
import type { Command, PgNode } from './node'
import { PROBE } from './scripts'

export interface ProbedBin {
  dir: string
  version: string
  major: string
}

export interface Probe {
  login: string
  user: string
  addresses: string[]
  bins: ProbedBin[]
  dataDir: { state: 'missing' | 'notdir' | 'unreadable' | 'empty' | 'nonempty'; owner?: string }
  runningPid?: number
  space: { availableBytes: number; writable: boolean; path: string }
  portInUse: string[]
  confDirExists: boolean
  logWritable?: boolean
  claim?: Claim
  reach: { address: string; port: number; open: boolean }[]
}

export function probeCommand(n: PgNode, reach: readonly { address: string; port: number }[]): Command {
  const m = n.member
  const conf = m.layout === 'debian' ? debianConfDir(m, n.major) : '-'
  const log = m.layout === 'plain' ? logFile(m, n.major) : '-'
  const targets = reach.flatMap((t) => [t.address, String(t.port)])
  return n.pg(['sh', '-c', PROBE, 'sh', m.dataDir, String(m.port), m.socketDir, binDir(m, n.major), log, conf, claimKey(m.dataDir), ...targets], 'reads only')
}

export function parseProbe(out: string): Probe {
  const p: Probe = { login: '', user: '', addresses: [], bins: [], dataDir: { state: 'missing' }, space: { availableBytes: 0, writable: false, path: '/' }, portInUse: [], confDirExists: false, reach: [] }
  const seen = new Set<string>()
  for (const line of out.split('\n')) {
    const [tag, ...rest] = line.split(' ')
    const arg = rest.join(' ')
    switch (tag) {
      case 'login':
        p.login = arg.trim()
        break
      case 'user':
        p.user = arg.trim()
        break
      case 'addrs':
        p.addresses = hostAddresses(arg)
        break
      case 'bin': {
        const dir = rest[0]!
        const version = /\(PostgreSQL\)\s+(\d+(?:\.\d+)*)/.exec(arg)?.[1]
        if (version && !seen.has(dir)) {
          seen.add(dir)
          p.bins.push({ dir, version, major: version.split('.')[0]! })
        }
        break
      }
      case 'datadir':
        p.dataDir = { state: rest[0] as Probe['dataDir']['state'], owner: rest[1] }
        break
      case 'running':
        p.runningPid = Number(rest[0])
        break
      case 'space': // stat -f: available blocks, block size
        p.space = { availableBytes: Number(rest[0]) * Number(rest[1]), writable: rest[2] === 'yes', path: rest.slice(3).join(' ') }
        break
      case 'socket':
      case 'listening':
        p.portInUse.push(tag === 'socket' ? `a socket ${arg}` : 'a TCP listener')
        break
      case 'cluster-port':
        p.portInUse.push(`the Debian cluster ${arg}`)
        break
      case 'confdir':
        p.confDirExists = true
        break
      case 'log':
        p.logWritable = arg === 'writable'
        break
      case 'claim':
        p.claim = parseClaim(arg)
        break
      case 'reach':
        p.reach.push({ address: rest[0]!, port: Number(rest[1]), open: rest[2] === 'open' })
        break
    }
  }
  return p
}

export async function probe(n: PgNode, reach: readonly { address: string; port: number }[]): Promise<Probe> {
  return parseProbe((await n.run(probeCommand(n, reach), { timeoutMs: 30_000 })).stdout)
}

export interface NewMemberCheck {
  member: PgMember
  major: string
  probe: Probe
  operationId: string
  /** The user confirmed that a non-empty data dir may be emptied. */
  overwrite: boolean
  /** What will be copied there, plus margin; undefined for a new, empty cluster. */
  needBytes?: number
  /** The member whose port must be reachable (the primary), when adding a replica. */
  source?: { name: string; host: string; address: string; port: number }
}

export interface NewMemberVerdict {
  /** The data dir is this operation's own half-made copy (a resumed operation). */
  resumed: boolean
  /** Creating the data dir needs root (sudo). */
  needsRoot: boolean
}

/** Throws a clear, specific error for the first thing that stands in the way. */
export function checkNewMember(c: NewMemberCheck): NewMemberVerdict {
  const { member: m, probe: p } = c
  const where = `${m.host}`
  const detail = { host: m.host, member: m.name }
  if (m.access === 'postgres' && p.user !== 'postgres') {
    throw pgError('preflight_failed', `ReplicaDesk logs in to ${where} as ${p.user}, but member ${m.name} is set to log in as postgres. Log in as postgres there, or set the member's access to "sudo" (an admin login with sudo).`, { ...detail, check: 'access' })
  }
  const dir = binDir(m, c.major)
  const bin = p.bins.find((b) => b.dir === dir)
  if (!bin || bin.major !== c.major) {
    const found = p.bins.map((b) => `PostgreSQL ${b.version} in ${b.dir}`).join(', ')
    const same = p.bins.find((b) => b.major === c.major)
    const todo = same
      ? `Set the member's binary directory to ${same.dir}.`
      : `Install PostgreSQL ${c.major} on ${where}: \`replicadesk host prepare ${m.host} --install --version ${c.major}\` (or Hosts → Prepare) does it on Debian/Ubuntu (apt-get install postgresql-${c.major}); or pick a host that has it.`
    const source = c.source ? ` the primary ${c.source.name} on ${c.source.host} runs PostgreSQL ${c.major}, but` : ''
    throw pgError('version_mismatch', `PostgreSQL ${c.major} is needed on ${where}:${source} ${dir} ${bin ? `holds PostgreSQL ${bin.version}` : 'has no PostgreSQL server'}${found ? ` (found: ${found})` : ' (no PostgreSQL found)'}. ${todo}`, { ...detail, check: 'version', want: c.major, found: p.bins })
  }
  const ours = p.claim?.operation === c.operationId
  const resumed = ours && p.dataDir.state === 'nonempty'
  if (p.claim && !ours) {
    throw pgError('preflight_failed', `${m.dataDir} on ${where} was made by ReplicaDesk operation ${p.claim.operation} (member ${p.claim.member}). If that operation is still open, resume or abandon it; if it finished, the server there is in use: adopt it or remove that member instead of creating it again.`, { ...detail, check: 'claim', claim: p.claim })
  }
  if (p.runningPid && !ours) {
    throw pgError('preflight_failed', `A PostgreSQL server (pid ${p.runningPid}) runs on ${m.dataDir} on ${where}. Pick another data directory, or stop that server and remove it yourself if it is not needed.`, { ...detail, check: 'data_dir' })
  }
  switch (p.dataDir.state) {
    case 'notdir':
      throw pgError('preflight_failed', `${m.dataDir} on ${where} exists and is not a directory. Pick another data directory.`, { ...detail, check: 'data_dir' })
    case 'unreadable':
      throw pgError('preflight_failed', `The postgres user cannot read ${m.dataDir} on ${where} (owned by ${p.dataDir.owner}). Give it to postgres (chown postgres: ${m.dataDir}) or pick another directory.`, { ...detail, check: 'data_dir' })
    case 'nonempty':
      if (!ours && !c.overwrite) {
        throw pgError('preflight_failed', `The data directory ${m.dataDir} on ${where} is not empty. Pick an empty or new directory, or confirm that ReplicaDesk may delete everything in it.`, { ...detail, check: 'data_dir' })
      }
  }
  if (m.layout === 'debian' && p.confDirExists && !ours) {
    throw pgError('preflight_failed', `${where} already has a Debian cluster ${c.major}/${m.debianName} (${debianConfDir(m, c.major)}). Pick another cluster name, or drop it yourself (pg_dropcluster ${c.major} ${m.debianName}) if it is not needed.`, { ...detail, check: 'debian_cluster' })
  }
  if (p.portInUse.length && !ours) {
    throw pgError('preflight_failed', `Port ${m.port} on ${where} is already in use (${[...new Set(p.portInUse)].join(', ')}). Pick another port for ${m.name}.`, { ...detail, check: 'port' })
  }
  const needsRoot = (p.dataDir.state === 'missing' && !p.space.writable) || (p.dataDir.state === 'empty' && p.dataDir.owner !== 'postgres')
  if (needsRoot && m.access === 'postgres') {
    throw pgError('preflight_failed', `The postgres user cannot create ${m.dataDir} on ${where} (${p.space.path} is not writable for it). Create it once as root (install -d -o postgres -g postgres -m 700 ${m.dataDir}), or log in as an admin with sudo.`, { ...detail, check: 'data_dir' })
  }
  if (m.layout === 'plain' && p.logWritable === false) {
    throw pgError('preflight_failed', `The postgres user cannot write the log file ${logFile(m, c.major)} on ${where}. Set the member's log file to a writable place.`, { ...detail, check: 'log_file' })
  }
  if (c.needBytes !== undefined && !resumed && p.space.availableBytes < c.needBytes) {
    throw pgError('preflight_failed', `Not enough disk space for ${m.name} on ${where}: ${p.space.path} has ${mb(p.space.availableBytes)} free, the copy needs about ${mb(c.needBytes)} (database and WAL plus margin). Free some space or pick a data directory on a larger disk.`, { ...detail, check: 'disk', availableBytes: p.space.availableBytes, needBytes: c.needBytes })
  }
  if (c.source) {
    const s = c.source
    const r = p.reach.find((x) => x.address === s.address && x.port === s.port)
    if (r && !r.open) {
      throw pgError('preflight_failed', `${where} cannot reach the primary ${s.name}'s PostgreSQL at ${s.address}:${s.port} (refused or timed out). Open port ${s.port} on ${s.host} for ${where} (firewall) and check that ${s.name} listens on ${s.address}.`, { ...detail, check: 'reach', address: s.address, port: s.port })
    }
  }
  return { resumed, needsRoot }
}

/** Disk a base backup needs: what the source holds plus 10 % (at least 64 MB). */
export const neededBytes = (sourceBytes: number, marginBytes?: number) => sourceBytes + (marginBytes ?? Math.max(64 * 1024 * 1024, Math.round(sourceBytes * 0.1)))
