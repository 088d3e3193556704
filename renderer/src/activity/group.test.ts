import { describe, expect, it } from 'vitest'
import type { ActivityEntry } from '../../../shared/ssh'
import { groupRoutine, repeatKey, ungrouped } from './group'

const T0 = Date.parse('2026-12-07T01:00:00.000Z')
let n = 0
/** A status poll's command unless `over` says otherwise. */
function entry(seconds: number, over: Partial<ActivityEntry> = {}): ActivityEntry {
  return { id: `e${n++}`, host: 'postgres@10.0.0.1', argv: ['df', '-P'], startedAt: new Date(T0 + seconds * 1000).toISOString(), durationMs: 12, exitCode: 0, origin: 'status', ...over }
}
/** Newest first, as the store keeps them. */
const newestFirst = (list: ActivityEntry[]) => [...list].sort((a, b) => b.startedAt.localeCompare(a.startedAt))
const shape = (rows: ReturnType<typeof groupRoutine>) => rows.map((r) => `${r.entry.argv.join(' ')}@${r.entry.host.slice(-1)}×${r.count}`)

describe('groupRoutine', () => {
  it('folds a poll that repeats every second into one row with its count, first and last time', () => {
    const polls = Array.from({ length: 120 }, (_, i) => entry(i))
    const test = entry(30.5, { argv: ['cat', '/etc/os-release'], origin: 'host-test' })
    const rows = groupRoutine(newestFirst([...polls, test]))
    expect(shape(rows)).toEqual(['df -P@1×120', 'cat /etc/os-release@1×1'])
    expect(rows[0]).toMatchObject({ firstAt: polls[0]!.startedAt, lastAt: polls[119]!.startedAt, entry: polls[119], key: `run:${polls[0]!.id}` })
  })

  it('folds exactly the status poll\'s entries: an operation\'s, a host test\'s or a user\'s repeats stay, however many', () => {
    const step = (s: number) => entry(s, { argv: ['pg_ctl', 'status'], origin: 'operation' })
    const mine = (s: number) => entry(s, { argv: ['cat', '/etc/os-release'], origin: 'user' })
    const old = (s: number) => entry(s, { argv: ['uptime'], origin: undefined }) // written before origins existed
    const rows = groupRoutine(newestFirst([step(0), step(1), step(2), step(3), mine(4), mine(5), mine(6), old(7), old(8), old(9), entry(10), entry(11)]))
    expect(shape(rows)).toEqual(['df -P@1×2', 'uptime@1×1', 'uptime@1×1', 'uptime@1×1', 'cat /etc/os-release@1×1', 'cat /etc/os-release@1×1', 'cat /etc/os-release@1×1', 'pg_ctl status@1×1', 'pg_ctl status@1×1', 'pg_ctl status@1×1', 'pg_ctl status@1×1'])
  })

  it('a status entry on its own is a row of its own', () => {
    const rows = groupRoutine(newestFirst([entry(0, { argv: ['cat', '/etc/os-release'], origin: 'user' }), entry(6)]))
    expect(shape(rows)).toEqual(['df -P@1×1', 'cat /etc/os-release@1×1'])
  })

  it('another host, sudo, or outcome is another run; a failure among successes stays visible', () => {
    const list = [
      ...[0, 1, 2, 3].map((s) => entry(s)),
      ...[0, 1, 2].map((s) => entry(s, { host: 'postgres@10.0.0.2' })),
      entry(2.5, { exitCode: 1 }),
      ...[0, 1, 2].map((s) => entry(s, { sudo: 'postgres' })),
    ]
    const rows = groupRoutine(newestFirst(list))
    expect(rows.map((r) => r.count).sort()).toEqual([1, 3, 3, 4])
    expect(rows.find((r) => r.count === 1)!.entry.exitCode).toBe(1)
  })

  it('a pause longer than the gap starts a new run', () => {
    const list = [0, 1, 2, 100, 101, 102, 103].map((s) => entry(s))
    expect(groupRoutine(newestFirst(list), { gapMs: 30_000 }).map((r) => r.count)).toEqual([4, 3])
  })

  it('the row stands where its newest entry is', () => {
    const list = [entry(0), entry(1), entry(2), entry(3, { argv: ['uptime'], origin: 'user' }), entry(4, { argv: ['ls'], origin: 'user' })]
    expect(shape(groupRoutine(newestFirst(list)))).toEqual(['ls@1×1', 'uptime@1×1', 'df -P@1×3'])
  })

  it('every entry as a row when asked', () => {
    const list = newestFirst([0, 1, 2, 3].map((s) => entry(s)))
    expect(ungrouped(list).map((r) => r.count)).toEqual([1, 1, 1, 1])
  })

  it('repeats are judged on host, jump, sudo, command line and outcome', () => {
    expect(repeatKey(entry(0))).toBe(repeatKey(entry(9, { durationMs: 400 })))
    expect(repeatKey(entry(0))).not.toBe(repeatKey(entry(0, { via: 'postgres@10.0.0.9' })))
    expect(repeatKey(entry(0))).not.toBe(repeatKey(entry(0, { exitCode: null, errorCode: 'ssh_timeout' })))
  })
})
