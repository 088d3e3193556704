// Facts the verdict needs from each host, read in one command per host and kept for a while
// (they change when a box is rebuilt, not every second): /etc/machine-id, systemd-detect-virt,
// and the device under each member's data dir (two data dirs on one disk share one).
import type { HostExec } from '../engines/host-exec'
import { cachedFor } from './cached'
import type { HostFacts } from './findings'

/** Args: DIR... (data dirs). One fact per line. */
const FACTS = String.raw`echo "machine-id $(cat /etc/machine-id 2>/dev/null)"
v=$(systemd-detect-virt 2>/dev/null) || v=none
echo "virt ${'$'}{v:-none}"
for d; do dev=$(stat -L -c %d "$d" 2>/dev/null) && echo "dev $dev $d"; done
exit 0`

export function parseFacts(out: string, dirs: Record<string, string>): HostFacts {
  const facts: HostFacts = { devices: {} }
  for (const line of out.split('\n')) {
    const [key, ...rest] = line.trim().split(' ')
    const value = rest.join(' ')
    if (key === 'machine-id' && /^[0-9a-f]{32}$/.test(value)) facts.machineId = value
    else if (key === 'virt' && /^[a-z0-9_-]{1,40}$/.test(value)) facts.virt = value
    else if (key === 'dev') {
      const [dev, ...path] = rest
      const member = Object.entries(dirs).find(([, d]) => d === path.join(' '))?.[0]
      if (member && dev && /^\d+$/.test(dev)) facts.devices![member] = dev
    }
  }
  return facts
}

export interface HostFactsReader {
  /** Facts of each host (data dirs by member name), from the cache when younger than maxAgeMs; a host that does not answer gives {}. */
  read(hosts: ReadonlyMap<string, Record<string, string>>): Promise<Map<string, HostFacts>>
}

export function hostFactsReader(exec: HostExec, maxAgeMs = 10 * 60_000, timeoutMs = 5000): HostFactsReader {
  const readFacts = cachedFor(
    maxAgeMs,
    async ({ host, dirs }: { host: string; dirs: Record<string, string> }) =>
      parseFacts((await exec.exec(host, ['sh', '-c', FACTS, 'sh', ...Object.values(dirs)], { timeoutMs })).stdout, dirs),
    ({ host, dirs }) => `${host} ${JSON.stringify(dirs)}`,
  )
  // Not answering: nothing known, nothing claimed (the status says it is down); asked again next time.
  const readOne = (host: string, dirs: Record<string, string>): Promise<HostFacts> => readFacts({ host, dirs }).catch(() => ({}))
  return {
    async read(hosts) {
      const entries = await Promise.all([...hosts].map(async ([h, dirs]) => [h, await readOne(h, dirs)] as const))
      return new Map(entries)
    },
  }
}
