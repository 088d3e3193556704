// Disk free for a collector, on its own slower period: one df per host for all its members
// with a known data dir, never two at once per host, skipped while the host is unreachable.
// A host where some dir gave no figure is asked again sooner (5 s).
import type { SshService } from '../ssh'
import { readDisk } from './disk'
import type { Member } from './member'

export class DiskPoller {
  private readonly next = new Map<string, number>()
  private readonly busy = new Set<string>()

  constructor(
    private readonly ssh: SshService,
    private readonly periodMs: number,
    /** Called after new figures came in. */
    private readonly changed: () => void,
  ) {}

  read(members: readonly Member<unknown>[], now: number): void {
    const groups = new Map<string, Member<unknown>[]>()
    for (const m of members) {
      if (!m.hostKey || !m.dataDir || m.down?.code === 'ssh_unreachable' || m.down?.code === 'ssh_needs_user') continue
      const g = groups.get(m.hostKey) ?? []
      g.push(m)
      groups.set(m.hostKey, g)
    }
    for (const [key, ms] of groups) {
      if (this.busy.has(key) || now < (this.next.get(key) ?? 0)) continue
      this.busy.add(key)
      readDisk(this.ssh, ms[0]!.input.target, ms.map((m) => m.dataDir!))
        .then((found) => {
          let all = true
          for (const m of ms) {
            const d = found.get(m.dataDir!)
            if (d) m.disk = d
            else all = false
          }
          this.next.set(key, Date.now() + (all ? this.periodMs : Math.min(5000, this.periodMs)))
          this.changed()
        })
        .catch(() => this.next.set(key, Date.now() + Math.min(5000, this.periodMs)))
        .finally(() => this.busy.delete(key))
    }
  }
}
