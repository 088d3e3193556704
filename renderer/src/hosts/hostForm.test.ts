import { describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import type { Host } from '../../../shared/hosts'
import { connectionSignature, editInput, emptyHostForm, formFromHost, serverErrorToProblem, validateHostForm, type HostFormValues } from './hostForm'

const record: Host = {
  id: 'h1',
  name: 'db1',
  address: '10.0.0.1',
  port: 22,
  user: 'admin',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
}

const form = (values: Partial<HostFormValues>): HostFormValues => ({ ...emptyHostForm(), ...values })

describe('validateHostForm', () => {
  it('accepts a good form, trimming and turning the port into a number', () => {
    const result = validateHostForm(form({ name: ' db1 ', address: ' 10.0.0.1', port: ' 2222 ', user: 'admin ' }))
    expect(result).toEqual({ ok: true, input: { name: 'db1', address: '10.0.0.1', port: 2222, user: 'admin' } })
  })

  it('uses the default port when the field is left empty', () => {
    const result = validateHostForm({ ...emptyHostForm(), name: 'db1', address: 'db1.lan', port: '', user: 'u' })
    expect(result.ok && result.input.port).toBe(22)
  })

  it.each([
    ['70000', 'Port must be between 1 and 65535'],
    ['0', 'Port must be between 1 and 65535'],
    ['22.5', 'Port must be a whole number'],
    ['ssh', 'Port must be a number'],
  ])('port %s: %s', (port, message) => {
    const result = validateHostForm(form({ name: 'db1', address: 'db1.lan', port, user: 'u' }))
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.problem.fields.port).toBe(message)
  })

  it('puts every complaint on its own field', () => {
    const result = validateHostForm(form({ name: 'a b', address: '', port: '22', user: '1x' }))
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(Object.keys(result.problem.fields).sort()).toEqual(['address', 'name', 'user'])
      expect(result.problem.message).toBeNull()
    }
  })
})

describe('jump host and identity file', () => {
  it('are optional: empty means none', () => {
    const result = validateHostForm(form({ name: 'db1', address: 'db1.lan', user: 'u', jump: '', identityFile: '  ' }))
    expect(result.ok && result.input).toEqual({ name: 'db1', address: 'db1.lan', port: 22, user: 'u' })
  })

  it('are passed on when set, the path trimmed', () => {
    const result = validateHostForm(form({ name: 'db2', address: 'db2.lan', user: 'u', jump: 'bastion', identityFile: ' ~/.ssh/id_lab ' }))
    expect(result.ok && result.input).toMatchObject({ jump: 'bastion', identityFile: '~/.ssh/id_lab' })
  })

  it('refuses a record that jumps through itself, and a path with a newline', () => {
    const result = validateHostForm(form({ name: 'db1', address: 'db1.lan', user: 'u', jump: 'db1', identityFile: 'a\nb' }))
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.problem.fields.jump).toBe('A host cannot jump through itself')
      expect(result.problem.fields.identityFile).toBe('Path contains a control character')
    }
  })

  it('round-trip through the form and into an edit', () => {
    const withJump: Host = { ...record, jump: 'bastion', identityFile: '/keys/id' }
    const result = validateHostForm(formFromHost(withJump))
    expect(result.ok && editInput(withJump, result.input)).toEqual({ name: 'db1', address: '10.0.0.1', port: 22, user: 'admin', jump: 'bastion', identityFile: '/keys/id' })
  })

  it('removes a saved jump host or identity file the form left empty (null), and leaves unset ones absent', () => {
    const withJump: Host = { ...record, jump: 'bastion', identityFile: '/keys/id' }
    const result = validateHostForm({ ...formFromHost(withJump), jump: '', identityFile: '' })
    expect(result.ok && editInput(withJump, result.input)).toMatchObject({ jump: null, identityFile: null })
    const plain = validateHostForm(formFromHost(record))
    expect(plain.ok && editInput(record, plain.input)).not.toHaveProperty('jump')
  })

  it('change the connection signature; a rename does not', () => {
    expect(connectionSignature(record)).toBe(connectionSignature({ ...record, name: 'other' } as Host))
    expect(connectionSignature(record)).not.toBe(connectionSignature({ ...record, jump: 'bastion' }))
    expect(connectionSignature(record)).not.toBe(connectionSignature({ ...record, port: 2222 }))
  })
})

describe('editInput', () => {
  it('sends newName only when the name changes', () => {
    const same = { name: 'db1', address: '10.0.0.2', port: 22, user: 'admin' }
    expect(editInput(record, same)).toEqual({ name: 'db1', address: '10.0.0.2', port: 22, user: 'admin' })
    expect(editInput(record, { ...same, name: 'db9' })).toEqual({ name: 'db1', newName: 'db9', address: '10.0.0.2', port: 22, user: 'admin' })
  })

  it('round-trips a record through the form', () => {
    const result = validateHostForm(formFromHost(record))
    expect(result.ok && editInput(record, result.input)).toEqual({ name: 'db1', address: '10.0.0.1', port: 22, user: 'admin' })
  })
  it('sets, keeps and clears the failure domain (checked with the shared schema)', () => {
    const set = validateHostForm({ ...formFromHost(record), failureDomain: ' rack 2 ' })
    expect(set.ok && editInput(record, set.input)).toMatchObject({ failureDomain: 'rack 2' })
    const labelled = { ...record, failureDomain: 'rack 2' }
    expect(formFromHost(labelled).failureDomain).toBe('rack 2')
    const cleared = validateHostForm({ ...formFromHost(labelled), failureDomain: '' })
    expect(cleared.ok && editInput(labelled, cleared.input)).toMatchObject({ failureDomain: null })
    const bad = validateHostForm({ ...formFromHost(record), failureDomain: '#rack' })
    expect(bad.ok ? null : bad.problem.fields.failureDomain).toContain('Use up to 40 letters')
  })
})

describe('serverErrorToProblem', () => {
  it("maps invalid_input issues onto fields, the rest to the message", () => {
    const err = new AppError('invalid_input', 'Invalid input for host.add', [
      { path: ['port'], message: 'Port must be between 1 and 65535' },
      { path: ['extra'], message: 'Unrecognized key' },
    ])
    expect(serverErrorToProblem(err, 'add')).toEqual({ fields: { port: 'Port must be between 1 and 65535' }, message: 'Unrecognized key' })
  })

  it('in an edit, newName is the name field and name is the record being edited', () => {
    const err = new AppError('invalid_input', 'Invalid input for host.edit', [
      { path: ['newName'], message: 'bad new name' },
      { path: ['name'], message: 'bad old name' },
    ])
    expect(serverErrorToProblem(err, 'edit')).toEqual({ fields: { name: 'bad new name' }, message: 'bad old name' })
  })

  it('falls back to the error message when the issues name no field', () => {
    const err = new AppError('invalid_input', 'Invalid input for host.add', [{ path: [], message: 'Expected object' }])
    expect(serverErrorToProblem(err, 'add')).toEqual({ fields: {}, message: 'Expected object' })
    expect(serverErrorToProblem(new AppError('invalid_input', 'Bad', 'not a list'), 'add')).toEqual({ fields: {}, message: 'Bad' })
  })

  it('shows a conflict on the field it names', () => {
    const err = new AppError('conflict', 'A host named "db1" exists already.', { field: 'name' })
    expect(serverErrorToProblem(err, 'add')).toEqual({ fields: { name: 'A host named "db1" exists already.' }, message: null })
    expect(serverErrorToProblem(err, 'edit').fields.name).toBe('A host named "db1" exists already.')
  })

  it('shows anything else as a message', () => {
    expect(serverErrorToProblem(new AppError('not_found', 'There is no host named "db1".', { field: 'name' }), 'edit')).toEqual({
      fields: {},
      message: 'There is no host named "db1".',
    })
    expect(serverErrorToProblem(new AppError('transport', 'Not connected'), 'add').message).toBe('Not connected')
    expect(serverErrorToProblem(new Error('boom'), 'add').message).toBe('boom')
  })
})

describe('log in with a password', () => {
  it('is sent only when chosen, and an edit that turns it off says so', () => {
    const on = validateHostForm(form({ name: 'db1', address: 'db1.lan', user: 'admin', usePassword: true }))
    expect(on.ok && on.input).toEqual({ name: 'db1', address: 'db1.lan', port: 22, user: 'admin', usePassword: true })
    const off = validateHostForm(form({ name: 'db1', address: 'db1.lan', user: 'admin' }))
    expect(off.ok && 'usePassword' in off.input && off.input.usePassword !== undefined).toBe(false)

    const withPassword: Host = { ...record, usePassword: true }
    expect(formFromHost(withPassword).usePassword).toBe(true)
    const turnedOff = validateHostForm({ ...formFromHost(withPassword), usePassword: false })
    expect(turnedOff.ok && editInput(withPassword, turnedOff.input)).toMatchObject({ usePassword: false })
    const never = validateHostForm(formFromHost(record))
    expect(never.ok && editInput(record, never.input)).not.toHaveProperty('usePassword')
  })

  it('changes the connection signature (an earlier key-based test says nothing about it)', () => {
    expect(connectionSignature(record)).not.toBe(connectionSignature({ ...record, usePassword: true }))
    expect(connectionSignature(record)).toBe(connectionSignature({ ...record, usePassword: false }))
  })
})
