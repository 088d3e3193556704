// The MariaDB probe's classification of mysql2 errors (pure), and its acknowledgement spans:
// only an error the server raises before any commit is "failed"; a lost connection mid-write,
// a shutdown or a killed statement may have committed and is "uncertain".
import { describe, expect, it } from 'vitest'
import type { Attempt } from '../../probe/types'
import { classifyMariaError } from './probe-outcome'
import { ackSpans } from './probe'
import { overlaps } from '../../probe/analyse'

/** A server error as mysql2 builds it from an ERR packet. */
const serverError = (errno: number, code: string, sqlState: string, message: string) => Object.assign(new Error(message), { errno, code, sqlState, sqlMessage: message })
/** A connection-level error as mysql2 reports it (fatal, no SQLSTATE). */
const fatalError = (code: string, message: string, errno?: number) => Object.assign(new Error(message), { code, fatal: true, ...(errno === undefined ? {} : { errno }) })

describe('classifyMariaError', () => {
  it('read_only (1290) is failed, and says it was read_only', () => {
    const r = classifyMariaError(serverError(1290, 'ER_OPTION_PREVENTS_STATEMENT', 'HY000', 'The MariaDB server is running with the --read-only option so it cannot execute this statement'))
    expect(r).toEqual({ outcome: 'failed', readOnly: true, reason: '1290 ER_OPTION_PREVENTS_STATEMENT The MariaDB server is running with the --read-only option so it cannot execute this statement' })
  })

  it('other errors raised before any commit are failed (not read_only)', () => {
    expect(classifyMariaError(serverError(1062, 'ER_DUP_ENTRY', '23000', "Duplicate entry '1' for key 'PRIMARY'"))).toMatchObject({ outcome: 'failed', readOnly: false })
    expect(classifyMariaError(serverError(1142, 'ER_TABLEACCESS_DENIED_ERROR', '42000', 'INSERT command denied'))).toMatchObject({ outcome: 'failed' })
    expect(classifyMariaError(serverError(1213, 'ER_LOCK_DEADLOCK', '40001', 'Deadlock found'))).toMatchObject({ outcome: 'failed' })
  })

  it('a connection lost mid-write is uncertain', () => {
    expect(classifyMariaError(fatalError('PROTOCOL_CONNECTION_LOST', 'Connection lost: The server closed the connection.'))).toEqual({ outcome: 'uncertain', readOnly: false, reason: 'PROTOCOL_CONNECTION_LOST Connection lost: The server closed the connection.' })
    expect(classifyMariaError(fatalError('ECONNRESET', 'read ECONNRESET', -104))).toMatchObject({ outcome: 'uncertain' })
    expect(classifyMariaError(fatalError('EPIPE', 'This socket has been ended by the other party'))).toMatchObject({ outcome: 'uncertain' })
  })

  it('a shutdown, a killed connection or query, and anything unknown are uncertain', () => {
    expect(classifyMariaError(serverError(1053, 'ER_SERVER_SHUTDOWN', '08S01', 'Server shutdown in progress'))).toMatchObject({ outcome: 'uncertain' })
    expect(classifyMariaError(serverError(1927, 'ER_CONNECTION_KILLED', '70100', 'Connection was killed'))).toMatchObject({ outcome: 'uncertain' })
    expect(classifyMariaError(serverError(1317, 'ER_QUERY_INTERRUPTED', '70100', 'Query execution was interrupted'))).toMatchObject({ outcome: 'uncertain' })
    // Even a "before commit" errno is uncertain when mysql2 marks the connection fatal.
    expect(classifyMariaError({ ...serverError(1290, 'ER_OPTION_PREVENTS_STATEMENT', 'HY000', 'read-only'), fatal: true })).toMatchObject({ outcome: 'uncertain' })
    expect(classifyMariaError('boom')).toEqual({ outcome: 'uncertain', readOnly: false, reason: 'boom' })
  })
})

describe('ackSpans', () => {
  const ack = (id: number, member: string, doneAt: number): Attempt => ({ id: String(id), member, sentAt: doneAt - 1, doneAt, outcome: 'acknowledged' })

  it('a handover (one member after the other, even back again) has no overlap', () => {
    const attempts = [ack(1, 'a', 0), ack(2, 'a', 20), ack(3, 'b', 300), ack(4, 'b', 320), ack(5, 'a', 900), { ...ack(6, 'b', 910), outcome: 'failed' as const }]
    const spans = ackSpans(attempts, 200)
    expect(spans.a!.map((s) => [s.from, s.to])).toEqual([[0, 20], [900, 900]])
    expect(overlaps(spans)).toEqual([])
  })

  it('two members acknowledging in the same window overlap', () => {
    const spans = ackSpans([ack(1, 'a', 0), ack(2, 'b', 10), ack(3, 'a', 30), ack(4, 'b', 40)], 200)
    expect(overlaps(spans)).toEqual([{ members: ['a', 'b'], from: 10, to: 30 }])
  })
})
