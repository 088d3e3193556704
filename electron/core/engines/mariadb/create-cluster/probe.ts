// What the new primary's host offers before anything is made there (as root, reads only): the
// tools and the server's version, the port's listener, whether a server answers on the
// member's socket already, Debian's unit. One fact per line; parsed here (pure).
import { isIP } from 'node:net'
import { mariaError } from '../errors'
import { optionFile, socketOf, type MariaMember } from '../model'
import type { Command, MariaNode } from '../node'
import { serverVersionOf } from '../versions'

/** Args: PORT SOCKET OPTFILE. */
const PROBE = String.raw`port=$1 sock=$2 conf=$3
for t in mariadbd mariadb mariadb-admin mariadb-install-db; do
  if command -v "$t" >/dev/null 2>&1; then echo "tool $t yes"; else echo "tool $t no"; fi
done
echo "version $(mariadbd --version 2>/dev/null | head -n 1)"
hex=$(printf '%04X' "$port")
awk -v p=":$hex" 'FNR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { print "port busy"; exit }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
[ -S "$sock" ] && mariadb-admin --no-defaults --socket="$sock" --connect-timeout=2 ping >/dev/null 2>&1 && echo "socket answers"
for u in /etc/systemd/system/mariadb.service /lib/systemd/system/mariadb.service /usr/lib/systemd/system/mariadb.service; do [ -f "$u" ] && { echo "unit yes"; break; }; done
echo "addrs $(hostname -I 2>/dev/null)"
[ -f "$conf" ] && echo "conf $(sed -n 's/^datadir *= *//p' "$conf" | head -n 1)"
exit 0`

export interface HostProbe {
  missingTools: string[]
  version?: string
  portBusy: boolean
  socketAnswers: boolean
  unit: boolean
  /** The host's own addresses (hostname -I). */
  addresses: string[]
  /** The datadir named by an option file of ReplicaDesk's already at the member's path ('' when it names none). */
  confDataDir?: string
}

export const probeCommand = (n: MariaNode): Command => n.root(['sh', '-c', PROBE, 'sh', String(n.member.port), socketOf(n.member), optionFile(n.member)], 'reads only: tools, version, port, socket')

export function parseProbe(out: string): HostProbe {
  const lines = out.split('\n')
  return {
    missingTools: lines.filter((l) => / no$/.test(l) && l.startsWith('tool ')).map((l) => l.split(' ')[1]!),
    version: serverVersionOf(lines.find((l) => l.startsWith('version ')) ?? ''),
    portBusy: lines.includes('port busy'),
    socketAnswers: lines.includes('socket answers'),
    unit: lines.includes('unit yes'),
    addresses: (lines.find((l) => l.startsWith('addrs ')) ?? '').slice(6).split(/\s+/).filter(Boolean),
    confDataDir: lines.find((l) => l.startsWith('conf '))?.slice(5).trim() ?? (lines.includes('conf') ? '' : undefined),
  }
}

export async function probe(n: MariaNode): Promise<HostProbe> {
  return parseProbe((await n.run(probeCommand(n))).stdout)
}

/**
 * The server listens on the member's address only (bind-address): an IP the host does not have
 * would leave it without TCP (MariaDB starts anyway), unreachable for its replicas.
 */
export function judgeAddress(m: MariaMember, pr: Pick<HostProbe, 'addresses'>): void {
  if (!isIP(m.address) || pr.addresses.includes(m.address) || !pr.addresses.length) return
  throw mariaError('preflight_failed', `${m.address}, the address of ${m.name}, is not an address of ${m.host} (it has ${pr.addresses.join(', ')}). The server listens on its member address only: give ${m.name} one of the host's addresses.`, { host: m.host, member: m.name, check: 'address' })
}

/** init: the host can take a new server there (tools, port, socket, Debian's unit). Throws the first refusal. */
export function judgeNewServer(m: MariaMember, pr: HostProbe): void {
  const at = { host: m.host, member: m.name }
  if (pr.missingTools.length) {
    throw mariaError('preflight_failed', `${m.host} lacks ${pr.missingTools.join(', ')}. Install MariaDB there (Debian: apt-get install mariadb-server mariadb-client mariadb-backup), then try again.`, { ...at, check: 'tools' })
  }
  if (pr.portBusy) throw mariaError('preflight_failed', `Port ${m.port} on ${m.host} is in use by another program. Pick a free port for ${m.name}.`, { ...at, check: 'port' })
  if (pr.socketAnswers) throw mariaError('preflight_failed', `A MariaDB server already answers on ${socketOf(m)} on ${m.host}. Adopt it instead, or give ${m.name} another port or socket.`, { ...at, check: 'socket' })
  if (m.layout === 'plain' && pr.confDataDir !== undefined && pr.confDataDir !== m.dataDir) {
    throw mariaError('preflight_failed', `${optionFile(m)} on ${m.host} is the option file of another server on port ${m.port} (datadir ${pr.confDataDir || 'unknown'}), stopped now. Pick another port for ${m.name}, or remove that server first.`, { ...at, check: 'port' })
  }
  if (m.layout === 'debian' && !pr.unit) throw mariaError('preflight_failed', `${m.host} has no mariadb unit, which the Debian layout starts the server with. Install Debian's mariadb-server, or use the plain layout.`, { ...at, check: 'layout' })
}
