// How ReplicaDesk acts as postgres on a host, decided here only: a login as postgres runs the
// tools directly; any other login goes through `sudo -n -u postgres`. A member records the
// access its host had when it was added (the engine acts on that record); the cluster lease,
// which names hosts only, asks the host records.
import type { Host } from '../../../shared/hosts'
import type { PgMember } from '../../../shared/postgres'
import type { HostsStore } from './hosts-store'

type Access = PgMember['access']

/** The access of a login (a host without a record: through sudo). */
export const accessOf = (host: Pick<Host, 'user'> | undefined): Access => (host?.user === 'postgres' ? 'postgres' : 'sudo')

/** The user a command runs as through `sudo -n -u`; none when it runs directly. */
const sudoUserOf = (access: Access): 'postgres' | undefined => (access === 'postgres' ? undefined : 'postgres')

/**
 * The access of each host record, at hand synchronously (the lease chooses sudo per host while
 * it runs): read at start and again after every change of the host records.
 */
export class HostAccess {
  private readonly logins = new Map<string, Pick<Host, 'user'>>()

  constructor(private readonly hosts: Pick<HostsStore, 'list'>) {}

  async refresh(): Promise<void> {
    // A damaged hosts.json is left in place and reported by every call that needs it (host.list…).
    for (const h of await this.hosts.list().catch(() => [])) this.logins.set(h.name, { user: h.user })
  }

  /** How the lease runs its commands on the host with this record name. */
  readonly sudoFor = (host: string): 'postgres' | undefined => sudoUserOf(accessOf(this.logins.get(host)))
}
