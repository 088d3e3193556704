// How the CLI shows a plan: the summary first; a dry run adds the step titles; the exact
// commands only with --verbose; before "Type yes" the summary comes first and the commands only
// with --verbose. What a step would destroy is always said.
import { describe, expect, it } from 'vitest'
import type { OperationPlan } from '../../shared/operations'
import type { Reply } from '../../shared/wire'
import { confirmAndCall } from './confirm'
import { formatPlan } from './operation-output'

const plan: OperationPlan = {
  kind: 'pg-switchover',
  clusterId: 'ha',
  title: 'Switchover of ha: r1 → r2',
  summary: ['r2 on h2 becomes the primary; r1 stops and restarts as its standby.', 'Writes pause for about 0.3 s, from r1\'s stop until r2 is promoted.'],
  members: ['h1', 'h2'],
  steps: [
    { id: 'stop', title: 'Stop r1 fast', hosts: ['h1'], undoable: false, commands: [{ host: 'h1', argv: ['pg_ctl', 'stop', '-m', 'fast'] }] },
    { id: 'promote', title: 'Promote r2', hosts: ['h2'], undoable: false, commands: [{ host: 'h2', argv: ['psql', '-c', 'SELECT pg_promote()'], note: 'DELETES nothing: only a test note' }] },
  ],
  assessment: { from: 'r1', to: 'r2', loss: { kind: 'none', bytes: 0, text: 'None.' }, candidates: [], warnings: [], reason: 'priority 1 is tried first: r2 has priority 1, r3 2' },
}

describe('the CLI plan', () => {
  it('--dry-run: the summary, then who and why, then the step titles; no command', () => {
    const text = formatPlan(plan, { dryRun: true })
    expect(text.indexOf('r2 on h2 becomes the primary')).toBeGreaterThan(text.indexOf('(dry run: nothing was changed)'))
    expect(text.indexOf('r2 on h2 becomes the primary')).toBeLessThan(text.indexOf('1. Stop r1 fast'))
    expect(text).toContain('Why r2: priority 1 is tried first: r2 has priority 1, r3 2.')
    expect(text).toContain('2. Promote r2  [h2]')
    expect(text).toContain('!! DELETES nothing: only a test note')
    expect(text).not.toContain('pg_promote')
    expect(text).toContain('add --verbose to see their exact commands')
  })

  it('--dry-run --verbose: every step with its commands', () => {
    const text = formatPlan(plan, { dryRun: true, verbose: true })
    expect(text).toContain("h2$ psql -c 'SELECT pg_promote()'")
    expect(text.indexOf('Writes pause for about 0.3 s')).toBeLessThan(text.indexOf('pg_ctl stop'))
    expect(text).not.toContain('--verbose')
  })

  it('before "Type yes": the summary first, the commands only with --verbose', async () => {
    for (const verbose of [false, true]) {
      const log: string[] = []
      const call = async (input: unknown): Promise<Reply> => ((input as { dryRun?: boolean }).dryRun ? { ok: true, value: { dryRun: true, plan } } : { ok: true, value: 'ran' })
      const asker = { isInteractive: true, ask: async (q: string) => (log.push(`ASK ${q}`), 'yes') }
      const reply = await confirmAndCall(call, { cluster: 'ha' }, asker, (t) => log.push(t), verbose)
      expect(reply).toEqual({ ok: true, value: 'ran' })
      expect(log).toHaveLength(2)
      expect(log[0]).toMatch(/^Switchover of ha: r1 → r2\n\n {2}r2 on h2 becomes the primary/)
      expect(log[1]).toMatch(/^ASK Proceed\? Type "yes"/)
      expect(log[0]!.includes('pg_promote')).toBe(verbose)
    }
  })
})
