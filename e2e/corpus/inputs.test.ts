// The bad-input corpus, front half: every string field of every contract method, given each
// hostile payload, through the core's one entry point (the same dispatch IPC, the WebSocket and
// the CLI use). Each case must end in a specific error — invalid_input naming that field, or the
// record-level error the field leads to — never `internal`, never a crash, and no shell may
// ever have run (the canary file). Remote misbehaviour is in remote.lab.test.ts beside this.
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { methodEntries } from '../../shared/contract'
import { createCore, type Core } from '../../electron/core/core'
import { canary, payloads } from './payloads'

/** A valid input per method with string fields: the payload replaces one field at a time. */
const valid: Record<string, Record<string, unknown>> = {
  'host.add': { name: 'corpus', address: '127.0.0.1', port: 1, user: 'pi', jump: 'h1', identityFile: '/nonexistent/key' },
  'host.edit': { name: 'h1', newName: 'h1', address: '127.0.0.1', user: 'pi', jump: 'h0', identityFile: '/nonexistent/key' },
  'host.remove': { name: 'nobody' },
  'host.test': { name: 'nobody' },
  'host.trust': { name: 'nobody', fingerprint: `SHA256:${'A'.repeat(43)}` },
  'host.prepare': { name: 'nobody', install: true, version: '15', cluster: 'c1', dryRun: true },
  'host.clean': { name: 'nobody', dryRun: true },
  'cluster.detect': { host: 'nobody' },
  'cluster.create': { cluster: 'c1', member: 'm1', host: 'nobody', pgdata: '/srv/pg/c1', dryRun: true },
  'cluster.adopt': { cluster: 'c1', member: 'm1', host: 'nobody', pgdata: '/srv/pg/c1', dryRun: true },
  'cluster.switchover': { cluster: 'c1', to: 'm2', dryRun: true },
  'cluster.failover': { cluster: 'c1', to: 'm2', dryRun: true },
  'cluster.rejoin': { cluster: 'c1', member: 'm1', dryRun: true },
  'cluster.fence': { cluster: 'c1', member: 'm1', dryRun: true },
  'cluster.forget': { cluster: 'c1' },
  'cluster.candidates': { cluster: 'c1' },
  'status.get': { cluster: 'c1' },
  'status.history': { cluster: 'c1' },
  'replica.add': { cluster: 'c1', name: 'm2', host: 'nobody', pgdata: '/srv/pg/c1', dryRun: true },
  'replica.remove': { cluster: 'c1', name: 'm2', dryRun: true },
  'operation.list': { cluster: 'c1' },
  'operation.get': { id: '20261207-020000-corpus-0abc' },
  'operation.resume': { id: '20261207-020000-corpus-0abc' },
  'operation.abandon': { id: '20261207-020000-corpus-0abc' },
  'secret.answer': { id: 'secret-1', value: 'hunter2' },
  'cluster.settings': { cluster: 'c1', member: 'm1', slotWalCap: '10GB', notifyUrl: 'https://ntfy.sh/topic', dryRun: true },
  'health.get': { cluster: 'c1' },
  'cluster.automatic': { cluster: 'c1', on: true, dryRun: true },
  'health.history': { cluster: 'c1', seconds: 60 },
  'activity.list': { host: 'pi@192.0.2.1' },
}

/**
 * Fields that are data, never part of a command line: a secret is any text, a local key path may
 * hold shell characters (it is read with fs, never handed to a shell). Both refuse what cannot be
 * shown honestly (control characters, direction overrides) or is too long.
 */
const dataFields: Record<string, (value: string) => boolean> = {
  'secret.answer value': (v) => v.length <= 4096,
  // eslint-disable-next-line no-control-regex
  'host.add identityFile': (v) => v.length > 0 && v.length <= 4096 && !/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(v),
}
dataFields['host.edit identityFile'] = dataFields['host.add identityFile']!
// A free label (shown and compared, never run): letters of any script, digits, a few marks.
dataFields['host.add failureDomain'] = (v) => /^[\p{L}\p{N}][\p{L}\p{N} _.'"()/-]{0,39}$/u.test(v)
dataFields['host.edit failureDomain'] = dataFields['host.add failureDomain']!

/** A value that is safe as a word anywhere (a name, an id). */
const plainWord = (v: string) => /^[\w.-]+$/.test(v) && !v.startsWith('-')

function stringFields(input: z.ZodType): string[] {
  const schema = z.toJSONSchema(input, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, { type?: string; anyOf?: { type?: string }[] }> }
  return Object.entries(schema.properties ?? {})
    .filter(([, p]) => p.type === 'string' || p.anyOf?.some((a) => a.type === 'string'))
    .map(([name]) => name)
}

const cases = methodEntries.flatMap((m) => stringFields(m.spec.input).flatMap((field) => payloads.map(([label, value]) => ({ method: m.id, field, label, value }))))

let core: Core
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rd-corpus-'))
  core = await createCore({ dataDir: join(dir, 'data') })
  // One host record to edit; nothing listens on 127.0.0.1:1, so no command could run anywhere.
  for (const name of ['h0', 'h1']) {
    const added = await core.dispatch('host.add', { name, address: '127.0.0.1', port: 1, user: 'pi' })
    expect(added.ok).toBe(true)
  }
})
afterAll(async () => {
  await core.close()
  await rm(dir, { recursive: true, force: true })
  expect(existsSync(canary), `a payload ran as shell code: ${canary} exists`).toBe(false)
})

describe('every contract method has a valid input in the corpus', () => {
  it.each(methodEntries.filter((m) => stringFields(m.spec.input).length).map((m) => m.id))('%s', (id) => {
    const entry = methodEntries.find((m) => m.id === id)!
    expect(valid[id], `add a valid input for ${id} to e2e/corpus/inputs.test.ts`).toBeDefined()
    expect(entry.spec.input.safeParse(valid[id]).success).toBe(true)
  })
})

describe(`hostile values in every string field (${cases.length} cases)`, () => {
  it.each(cases)('$method $field: $label', async ({ method, field, value }) => {
    const reply = await core.dispatch(method, { ...valid[method], [field]: value })
    expect(existsSync(canary)).toBe(false)
    if (!reply.ok) expect(reply.error.code, reply.error.message).not.toBe('internal')
    const asData = dataFields[`${method} ${field}`]
    const refused = !reply.ok && reply.error.code === 'invalid_input'
    if (asData) {
      // Data fields: refused exactly when the value cannot be kept honestly.
      expect(refused, `${method} ${field} ${JSON.stringify(value.slice(0, 40))}: ${reply.ok ? 'accepted' : reply.error.message}`).toBe(!asData(value))
      return
    }
    if (plainWord(value)) return // a plain word may pass the schema (and then meet not_found)
    // Anything else in a field that may reach a command line is refused by the schema, naming the field.
    expect(refused, `${method} let ${JSON.stringify(value.slice(0, 40))} through in ${field}: ${reply.ok ? 'accepted' : `${reply.error.code}: ${reply.error.message}`}`).toBe(true)
    if (!reply.ok) {
      const paths = (reply.error.detail as { path: string[] }[] | undefined)?.map((d) => d.path[0])
      expect(paths, reply.error.message).toContain(field)
    }
  })
})
