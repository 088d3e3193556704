// Where a member's files are and how its server runs, per layout:
// - plain: ReplicaDesk's option file (/etc/mysql/replicadesk/rd-PORT.cnf, see model.ts), the
//   server started as mysql in its own session (`setsid mariadbd --defaults-file=…`, output
//   appended to its error log in the datadir), stopped with SIGTERM to the pid of its pid file
//   once that pid is proven to be this datadir's mariadbd; no unit, so a reboot leaves it stopped.
// - debian: our settings in /etc/mysql/mariadb.conf.d/60-replicadesk.cnf, the server run by
//   its unit (`sudo -n systemctl start|stop|enable mariadb`).
// Every wait is bounded and names the member; each check reads the server (pid + socket).
import { mariaError } from './errors'
import { DEBIAN_UNIT, errorLog, optionFile, pidFile, socketOf, who, type MariaCluster, type MariaMember } from './model'
import type { Command, MariaNode } from './node'
import { optionFileText, type KeepFromServer } from './conf'
import { fenceMarker, NOT_FENCED } from './fence/scripts'
import { PUT_FILE, READ_FILE, SERVER_STATE, SOCKET_DIR, START_PLAIN, STOP_PLAIN, WAIT_READY, WAIT_STOPPED } from './scripts'

/** How long a start or stop may take (crash recovery of a big datadir takes a while). */
export const START_TIMEOUT_S = 300
/** The SSH bound of a command that itself waits `seconds`. */
export const execTimeoutMs = (seconds: number) => (seconds + 30) * 1000

const socketDir = (m: MariaMember) => socketOf(m).replace(/\/[^/]+$/, '') || '/'
const logOf = (m: MariaMember) => errorLog(m) ?? '-'

// ---- option file ---------------------------------------------------------------------------

/** Writes the member's option file as root (stdin: optionFileText), root-owned 0644: no secret in it. */
export const writeConfigCommand = (n: MariaNode): Command => n.root(['sh', '-c', PUT_FILE, 'sh', optionFile(n.member), 'root', 'root', '644'], `ReplicaDesk's settings for ${n.name}, over stdin`)

/** The option file as it is on the host now (undefined: missing). */
export async function readConfig(n: MariaNode, file = optionFile(n.member)): Promise<string | undefined> {
  const out = (await n.run(n.root(['sh', '-c', READ_FILE, 'sh', file]))).stdout
  return out.startsWith('file\n') ? out.slice(5) : undefined
}

/** Writes the option file unless it already says exactly that; true when it changed. */
export async function writeConfig(n: MariaNode, c: Pick<MariaCluster, 'id' | 'semiSync'>, keep: KeepFromServer = {}, include?: string): Promise<boolean> {
  const text = optionFileText(c, n.member, keep, include)
  if ((await readConfig(n)) === text) return false
  await n.run(writeConfigCommand(n), { stdin: text })
  return true
}

/** Removes the member's option file (plain: ours alone; Debian: our drop-in). */
export const removeConfigCommand = (n: MariaNode): Command => n.root(['rm', '-f', '--', optionFile(n.member)])

// ---- start / stop --------------------------------------------------------------------------

/** The commands that start the member and return once it answers on its socket (bounded). */
export function startCommands(n: MariaNode): Command[] {
  const m = n.member
  // A fenced member (fence/scripts.ts) is never started: it could come back as a second primary.
  const guard = n.login(['sh', '-c', NOT_FENCED, 'sh', fenceMarker(m), m.name], 'refuses while the member is fenced')
  if (m.layout === 'debian') {
    return [guard, n.root(['systemctl', 'start', DEBIAN_UNIT]), n.mysql(['sh', '-c', WAIT_READY, 'sh', socketOf(m), String(START_TIMEOUT_S), m.dataDir, pidFile(m), '-'], 'waits until it answers on its socket')]
  }
  return [
    guard,
    n.root(['sh', '-c', SOCKET_DIR, 'sh', socketDir(m)], 'the socket directory, when missing'),
    n.mysql(['sh', '-c', START_PLAIN, 'sh', optionFile(m), m.dataDir, pidFile(m), socketOf(m), logOf(m), String(START_TIMEOUT_S)], 'setsid mariadbd --defaults-file=…, then waits until it answers'),
  ]
}

/**
 * The commands that stop the member and return once its server is gone (bounded). `pid`: the
 * pid file the running server uses when it is not ours (a server ReplicaDesk adopts).
 */
export function stopCommands(n: MariaNode, pid = pidFile(n.member)): Command[] {
  const m = n.member
  if (m.layout === 'debian') return [n.root(['systemctl', 'stop', DEBIAN_UNIT]), n.mysql(['sh', '-c', WAIT_STOPPED, 'sh', m.dataDir, pid, String(START_TIMEOUT_S)])]
  return [n.mysql(['sh', '-c', STOP_PLAIN, 'sh', m.dataDir, pid, String(START_TIMEOUT_S)], "SIGTERM to this datadir's mariadbd only, then waits until it is gone")]
}

/** Debian: the unit starts at boot. Plain: nothing (no unit). */
export const enableCommands = (n: MariaNode): Command[] => (n.member.layout === 'debian' ? [n.root(['systemctl', 'enable', DEBIAN_UNIT])] : [])

async function runAll(n: MariaNode, cmds: Command[], what: string): Promise<void> {
  for (const c of cmds) {
    const r = await n.run(c, { timeoutMs: execTimeoutMs(START_TIMEOUT_S), okExitCodes: [0, 1, 3, 5] })
    if (r.exitCode !== 0) {
      const why = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-6).join(' | ')
      throw mariaError('cluster_state', `Could not ${what} MariaDB ${who(n.member)}: ${why || `exit ${r.exitCode}`}. Its error log (${errorLog(n.member) ?? 'journalctl -u mariadb'}) says more.`, { host: n.host, member: n.name })
    }
  }
}

/** Starts the member (a running one is left as it is) and waits until it answers. */
export const startMember = (n: MariaNode) => runAll(n, startCommands(n), 'start')
/** Stops the member (a stopped one is left as it is) and waits until its server is gone. */
export const stopMember = (n: MariaNode, pid?: string) => runAll(n, stopCommands(n, pid), 'stop')
/** Stops (`pid`: as for stopCommands), then starts. */
export async function restartMember(n: MariaNode, pid?: string): Promise<void> {
  await stopMember(n, pid)
  await startMember(n)
}

/** As mysql: the option file the running server of that pid file was started with (--defaults-file), if any. */
export async function runningDefaultsFile(n: MariaNode, pid = pidFile(n.member)): Promise<string | undefined> {
  const r = await n.run(n.mysql(['sh', '-c', 'p=$(head -n 1 "$1" 2>/dev/null) && [ -r "/proc/$p/cmdline" ] && tr \'\\0\' \'\\n\' < "/proc/$p/cmdline"; exit 0', 'sh', pid]))
  return /^--defaults-file=(.+)$/m.exec(r.stdout)?.[1]
}

// ---- reading the server ----------------------------------------------------------------------

export interface ServerState {
  /** The live mariadbd of this datadir (from its pid file, checked in /proc), else null. */
  pid: number | null
  /** The server answers on the member's socket. */
  answering: boolean
}

export const serverStateCommand = (n: MariaNode): Command => n.mysql(['sh', '-c', SERVER_STATE, 'sh', n.member.dataDir, pidFile(n.member), socketOf(n.member)])

export async function serverState(n: MariaNode): Promise<ServerState> {
  const out = (await n.run(serverStateCommand(n))).stdout
  const pid = /^pid (\d+)$/m.exec(out)?.[1]
  return { pid: pid ? Number(pid) : null, answering: /^ping yes$/m.test(out) }
}

/** The member's server runs: its datadir's mariadbd is alive, or its socket answers. */
export async function isRunning(n: MariaNode): Promise<boolean> {
  const s = await serverState(n)
  return s.pid !== null || s.answering
}

/** Waits (bounded) until the member answers on its socket; fails naming the member. */
export const waitReady = (n: MariaNode, seconds = START_TIMEOUT_S) =>
  runAll(n, [n.mysql(['sh', '-c', WAIT_READY, 'sh', socketOf(n.member), String(seconds), n.member.dataDir, pidFile(n.member), logOf(n.member)])], 'reach')
