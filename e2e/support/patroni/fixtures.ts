// A three-member cluster handed to Patroni and Patroni's view of it, for the pure tests of the
// Patroni role changes (who may take over, what is refused): pt1 leads, pt2 is its synchronous
// standby, pt3 a replica that may never be promoted.
import { parseCluster, type PgClusterInput } from '../../../electron/core/engines/postgres/model'

export const patroniInput: PgClusterInput = {
  id: 'pt',
  major: '15',
  members: [1, 2, 3].map((i) => ({ name: `pt${i}`, host: `host${i}`, address: `10.0.0.1${i}`, port: 5460, dataDir: `/srv/pt${i}`, access: 'sudo' as const, sync: true, neverPromote: i === 3 })),
}
export const patroniCluster = parseCluster(patroniInput)
export const running = (name: string, role: string, lagBytes: number | null = 0) => ({ name, role, state: 'running', lagBytes, pendingRestart: false })
export const patroniView = { leader: 'pt1', paused: false, members: [running('pt1', 'leader'), running('pt2', 'sync_standby'), running('pt3', 'replica')] }
