// The MariaDB Redundancy panel's form: its values from a MariaDB cluster record, and the settings
// input they make. Only what MariaDB has (semi-sync on/off, strict or a fall-back after N
// seconds, per member semi-sync replica / priority / never promote, replicas wanted, the
// notification URL): the core refuses PostgreSQL's settings for a MariaDB cluster
// (mariaSettingsOf in electron/core/clusters/mariadb-clusters.ts). The core compares with the
// record and plans the change; a value the user left as it was is not sent.
import type { SettingsInput } from '../../../shared/clusters'
import type { MariaCluster } from '../../../shared/mariadb'
import { STRICT_SEMI_SYNC_MS } from '../status/mariadb'

export interface MariaRedundancyMember {
  name: string
  host: string
  /** A semi-sync replica: it acknowledges commits while semi-sync is on. */
  sync: boolean
  priority: number
  neverPromote: boolean
}

export interface MariaRedundancyForm {
  semiSync: boolean
  /** strict: writes wait while no semi-sync replica answers; available: go on asynchronously after relaxAfterS. */
  lostSync: 'strict' | 'available'
  relaxAfterS: number
  desiredReplicas: number
  notifyUrl: string
  members: MariaRedundancyMember[]
}

/** The fall-back the form offers when the record is strict (MariaDB's own default is 10 s). */
const DEFAULT_RELAX_S = 10
/** The contract's bounds for --relax-after-s. */
const RELAX_MIN_S = 1
const RELAX_MAX_S = 3600

const clampRelax = (s: number) => Math.min(RELAX_MAX_S, Math.max(RELAX_MIN_S, Math.round(s)))

export function mariaFormOf(c: MariaCluster): MariaRedundancyForm {
  const strict = c.semiSync.timeoutMs >= STRICT_SEMI_SYNC_MS
  return {
    semiSync: c.semiSync.enabled,
    lostSync: strict ? 'strict' : 'available',
    relaxAfterS: strict ? DEFAULT_RELAX_S : clampRelax(c.semiSync.timeoutMs / 1000),
    desiredReplicas: c.desiredReplicas ?? c.members.length - 1,
    notifyUrl: c.notifyUrl ?? '',
    members: c.members.map((m) => ({ name: m.name, host: m.host, sync: m.sync, priority: m.priority, neverPromote: m.neverPromote })),
  }
}

/** cluster.settings for a MariaDB cluster: dryRun for the plan, else applied (yes: the plan was shown). */
export function mariaSettingsInput(c: MariaCluster, f: MariaRedundancyForm, o: { dryRun: boolean }): SettingsInput {
  const was = mariaFormOf(c)
  const timeoutChanged = f.lostSync !== was.lostSync || (f.lostSync === 'available' && f.relaxAfterS !== was.relaxAfterS)
  const notify = f.notifyUrl.trim()
  return {
    cluster: c.id,
    semiSync: f.semiSync,
    // The timeout as it was is left alone (a record's 1.5 s must not become the form's 2 s).
    ...(timeoutChanged && (f.lostSync === 'strict' ? { lostSync: 'strict' as const } : { lostSync: 'available' as const, relaxAfterS: clampRelax(f.relaxAfterS) })),
    // Not set in the record and left at "every replica there is": the record stays without one.
    ...((c.desiredReplicas !== undefined || f.desiredReplicas !== was.desiredReplicas) && { desiredReplicas: f.desiredReplicas }),
    ...(notify ? { notifyUrl: notify } : c.notifyUrl ? { notifyUrl: null } : {}),
    memberSettings: f.members.map((m) => ({ name: m.name, sync: m.sync, priority: m.priority, neverPromote: m.neverPromote })),
    dryRun: o.dryRun,
    yes: !o.dryRun,
  }
}
