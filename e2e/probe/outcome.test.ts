import { describe, expect, it } from 'vitest'
import { classifyError, isSyncCancelWarning } from './outcome'

const pgError = (code: string, severity = 'ERROR', message = 'x') => Object.assign(new Error(message), { code, severity })

describe('classifyError', () => {
  it('calls errors raised before the commit failed', () => {
    expect(classifyError(pgError('25006', 'ERROR', 'cannot execute INSERT in a read-only transaction')).outcome).toBe('failed')
    expect(classifyError(pgError('23505')).outcome).toBe('failed')
    expect(classifyError(pgError('42501')).outcome).toBe('failed')
  })
  it('calls everything that may follow a commit uncertain', () => {
    expect(classifyError(pgError('57P01', 'FATAL', 'terminating connection due to administrator command')).outcome).toBe('uncertain')
    expect(classifyError(pgError('25006', 'FATAL')).outcome).toBe('uncertain')
    expect(classifyError(pgError('57014')).outcome).toBe('uncertain')
    expect(classifyError(pgError('XX000')).outcome).toBe('uncertain')
    expect(classifyError(new Error('Connection terminated unexpectedly')).outcome).toBe('uncertain')
    expect(classifyError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })).outcome).toBe('uncertain')
  })
})

describe('isSyncCancelWarning', () => {
  it('spots both of PostgreSQL 15’s cancel warnings, and nothing else', () => {
    const detail = 'The transaction has already committed locally, but might not have been replicated to the standby.'
    expect(isSyncCancelWarning({ severity: 'WARNING', message: 'canceling wait for synchronous replication due to user request', detail })).toBe(true)
    expect(isSyncCancelWarning({ severity: 'WARNING', message: 'canceling the wait for synchronous replication and terminating connection due to administrator command', detail })).toBe(true)
    expect(isSyncCancelWarning({ severity: 'WARNING', message: 'there is no transaction in progress' })).toBe(false)
    expect(isSyncCancelWarning({ severity: 'NOTICE', message: 'relation "rd_probe" already exists, skipping' })).toBe(false)
  })
})
