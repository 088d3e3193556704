import { describe, expect, it } from 'vitest'
import { prefillFromConfig, recordNameFor } from './importHost'

describe('recordNameFor', () => {
  it('keeps a good alias, cleans odd characters and avoids taken names', () => {
    expect(recordNameFor('pi1', [])).toBe('pi1')
    expect(recordNameFor('my server', [])).toBe('my-server')
    expect(recordNameFor('-x', [])).toBe('x')
    expect(recordNameFor('pi1', ['pi1', 'pi1-2'])).toBe('pi1-3')
    expect(recordNameFor('***', [])).toBe('host')
  })
})

describe('prefillFromConfig', () => {
  it('fills every field the config gives', () => {
    const p = prefillFromConfig({ alias: 'pi1', address: '192.168.1.20', port: 2222, user: 'pi', identityFiles: ['/root/.ssh/id_pi'] }, [])
    expect(p).toEqual({ values: { name: 'pi1', address: '192.168.1.20', port: '2222', user: 'pi', jump: '', identityFile: '/root/.ssh/id_pi', failureDomain: '', usePassword: false }, notes: [] })
  })

  it('picks the jump host when it is a record, else says what to do', () => {
    const entry = { alias: 'db', address: '10.0.0.2', port: 22, user: 'pg', identityFiles: [], proxyJump: 'bastion' }
    expect(prefillFromConfig(entry, [{ name: 'bastion' }]).values.jump).toBe('bastion')
    const missing = prefillFromConfig(entry, [])
    expect(missing.values.jump).toBe('')
    expect(missing.notes.join(' ')).toContain('import or add bastion first')
    expect(prefillFromConfig({ ...entry, proxyJump: 'a,b' }, []).notes.join(' ')).toContain('not a single host record')
  })

  it('notes a missing user and extra identity files', () => {
    const p = prefillFromConfig({ alias: 'nas', port: 22, identityFiles: ['/a', '/b'] }, [])
    expect(p.values).toMatchObject({ address: 'nas', user: '', identityFile: '/a' })
    expect(p.notes).toHaveLength(2)
  })
})
