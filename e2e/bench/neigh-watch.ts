// The test machine's neighbour (ARP) entry for one address as the kernel changes it (`ip monitor
// neigh` in the machine's own network namespace, the lab bridge's side): when a client on the
// LAN learns that the service address moved to another host. Bench code, not a test.
import { spawn, type ChildProcess } from 'node:child_process'
import { exec } from '../lab'

export interface NeighEvent {
  at: number
  state: string
  mac: string
}

export class NeighWatch {
  readonly events: NeighEvent[] = []
  private readonly child: ChildProcess

  constructor(readonly address: string) {
    this.child = spawn('ip', ['monitor', 'neigh'], { stdio: ['ignore', 'pipe', 'ignore'] })
    let buf = ''
    this.child.stdout!.on('data', (d: Buffer) => {
      const at = performance.now()
      buf += d.toString()
      const lines = buf.split('\n')
      buf = lines.pop() ?? ''
      for (const l of lines) {
        const words = l.trim().split(/\s+/)
        if (words[0] === 'Deleted') words.shift()
        if (words[0] !== address) continue
        const i = words.indexOf('lladdr')
        this.events.push({ at, state: l.startsWith('Deleted') ? 'DELETED' : words.at(-1) ?? '', mac: i >= 0 ? words[i + 1] ?? '' : '' })
      }
    })
  }

  /** ms from t to the first change after t that names `mac`. */
  firstMac(t: number, mac: string): number {
    const e = this.events.find((x) => x.at > t && x.mac === mac)
    return e ? e.at - t : NaN
  }

  /** The changes after t, compact: "+ms STATE …last 5 of the MAC". */
  since(t: number): string {
    return this.events
      .filter((x) => x.at > t)
      .map((x) => `+${Math.round(x.at - t)} ${x.state}${x.mac ? ` ${x.mac.slice(-5)}` : ''}`)
      .join(', ')
  }

  stop() {
    this.child.kill()
  }
}

/** The MAC of the interface that carries `address` inside lab host `host`. */
export async function macOf(host: string, address: string): Promise<string> {
  const script = 'dev=$(ip -o -4 addr show | while read -r _ d _ cidr _; do [ "${cidr%/*}" = "$1" ] && echo "$d"; done | head -n 1); cat "/sys/class/net/$dev/address"'
  return (await exec(host, ['sh', '-c', script, 'sh', address])).stdout.trim()
}
