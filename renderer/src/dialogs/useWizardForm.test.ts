import { describe, expect, it, vi } from 'vitest'
import { emptyReplicaForm, replicaFields, validateReplica, type AddReplicaValues } from '../clusters/forms'
import { useWizardForm } from './useWizardForm'

const form = (invalid = vi.fn()) =>
  useWizardForm({ fields: replicaFields, values: emptyReplicaForm('c1'), validate: (v: AddReplicaValues) => validateReplica(v), invalid })

describe('useWizardForm', () => {
  it("shows a field's own check only once it was left or everything was checked", () => {
    const invalid = vi.fn()
    const f = form(invalid)
    f.set('port', 'abc')
    expect(f.errors.value.port).toBeUndefined()
    expect(f.edited.has('port')).toBe(true)
    expect(f.checked()).toBeNull()
    expect(invalid).toHaveBeenCalledTimes(1)
    expect(f.errors.value.port).toBeTruthy()
    expect(f.touched.host).toBe(true)
  })

  it("the core's refusal stays on its field until that field changes; reset starts afresh", () => {
    const f = form()
    Object.assign(f.values, { host: 'h2', name: 'db2', dataDir: '/var/lib/pg/db2', port: '5433' })
    expect(f.checked()).toMatchObject({ cluster: 'c1', host: 'h2', name: 'db2', port: 5433 })
    f.refusedFields({ fields: { port: 'Port 5433 is in use on h2' }, message: null, code: 'invalid_input' })
    expect(f.touched.port).toBe(false)
    expect(f.errors.value.port).toBe('Port 5433 is in use on h2')
    f.set('name', 'db3')
    expect(f.errors.value.port).toBe('Port 5433 is in use on h2')
    f.set('port', '5434')
    expect(f.errors.value.port).toBeUndefined()
    f.reset(emptyReplicaForm('c2'))
    expect(f.values).toMatchObject({ cluster: 'c2', host: '', name: '' })
    expect(f.edited.size).toBe(0)
    expect(f.serverErrors.value).toEqual({})
  })
})
