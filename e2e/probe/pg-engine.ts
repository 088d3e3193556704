// PostgreSQL's part of the write probe (engine.ts): sessions named rd-probe-<purpose>, "writable"
// = not in recovery and transaction_read_only off, and what an INSERT's ending means
// (outcome.ts) including the synchronous-replication WARNING that turns a success uncertain.
import type pg from 'pg'
import { destroyClient, openClient, PROBE_TABLE } from './connect'
import type { InsertEnd, ProbeEngine } from './engine'
import { classifyError, isSyncCancelWarning } from './outcome'

export interface PgProbeEngine extends ProbeEngine<pg.Client> {
  /** Every WARNING the members sent to the writer (the sync-cancel ones make a write uncertain). */
  readonly warnings: string[]
}

const QUERY = "SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') AS ro"
const INSERT = `INSERT INTO ${PROBE_TABLE} (id, member) VALUES ($1, $2)`

/** One per probe: it keeps that probe's warnings. */
export function pgProbeEngine(): PgProbeEngine {
  const warnings: string[] = []
  /** The sync-cancel WARNING a writer's session got during its current INSERT. */
  const current = new WeakMap<pg.Client, { syncWarning?: string }>()
  return {
    warnings,
    warmStart: false,
    movesOn: false,
    async connect(m, o) {
      const client = await openClient(m, { password: o.password, connectTimeoutMs: o.connectTimeoutMs, applicationName: `rd-probe-${o.purpose}` })
      if (o.purpose === 'write') {
        client.on('notice', (n) => {
          warnings.push(`${m.name}: ${n.severity} ${n.message}`)
          const cur = current.get(client)
          if (cur && isSyncCancelWarning(n)) cur.syncWarning = n.message
        })
      }
      return client
    },
    destroy: destroyClient,
    close: (client) => client.end().catch(() => destroyClient(client)),
    async ask(client) {
      const r = await client.query<{ recovery: boolean; ro: string }>(QUERY)
      const row = r.rows[0]!
      if (row.recovery) return ['not-writable', 'in recovery']
      if (row.ro !== 'off') return ['not-writable', 'transaction_read_only']
      return ['writable']
    },
    async insert(client, id, member): Promise<InsertEnd> {
      const cur: { syncWarning?: string } = {}
      current.set(client, cur)
      try {
        await client.query(INSERT, [id, member])
        if (cur.syncWarning) return { outcome: 'uncertain', reason: `success with WARNING: ${cur.syncWarning}`, keep: true }
        return { outcome: 'acknowledged', keep: true }
      } catch (err) {
        const c = classifyError(err)
        // A plain ERROR leaves the session usable; anything else (FATAL, socket) does not.
        const keep = (err as { severity?: string }).severity === 'ERROR'
        if (cur.syncWarning) return { outcome: 'uncertain', reason: `${c.reason} (after WARNING: ${cur.syncWarning})`, keep }
        return { outcome: c.outcome, reason: c.reason, keep }
      } finally {
        current.delete(client)
      }
    },
    async readIds(client, lo, hi) {
      const r = await client.query<{ id: string; member: string }>(`SELECT id::text AS id, member FROM ${PROBE_TABLE} WHERE id BETWEEN $1 AND $2`, [lo, hi])
      return new Map(r.rows.map((row) => [row.id, row.member]))
    },
  }
}
