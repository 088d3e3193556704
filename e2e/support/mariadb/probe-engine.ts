// MariaDB's part of the write probe (e2e/probe/engine.ts), test code: "writable" = the probe
// user may write there (@@global.read_only off: it has no privilege that bypasses it); what an
// INSERT's ending means (probe-outcome.ts). One warm connection per member at start, and a
// write refused by read_only or lost with its connection moves the writer to the next
// writable member at once (movesOn).
import type { ProbeEngine } from '../../probe/engine'
import { destroyConnection, openConnection, PROBE_TABLE, query, type ProbeConnection } from './probe-connect'
import { classifyMariaError, isFatal } from './probe-outcome'

const INSERT = `INSERT INTO ${PROBE_TABLE} (id, member) VALUES (?, ?)`

export const mariaProbeEngine: ProbeEngine<ProbeConnection> = {
  warmStart: true,
  movesOn: true,
  connect: (m, o) => openConnection(m, { password: o.password, connectTimeoutMs: o.connectTimeoutMs }),
  destroy: destroyConnection,
  close: async (conn) => destroyConnection(conn),
  async ask(conn) {
    const rows = await query<{ ro: number | string }>(conn, 'SELECT @@global.read_only AS ro')
    return String(rows[0]?.ro) === '0' ? ['writable'] : ['not-writable', 'read_only']
  },
  async insert(conn, id, member) {
    try {
      await query(conn, INSERT, [id, member])
      return { outcome: 'acknowledged', keep: true }
    } catch (err) {
      const c = classifyMariaError(err)
      return { outcome: c.outcome, reason: c.reason, keep: !isFatal(err), refused: c.readOnly }
    }
  },
  async readIds(conn, lo, hi) {
    const rows = await query<{ id: string; member: string }>(conn, `SELECT CAST(id AS CHAR) AS id, member FROM ${PROBE_TABLE} WHERE id BETWEEN ? AND ?`, [lo, hi])
    return new Map(rows.map((r) => [String(r.id), r.member]))
  },
}
