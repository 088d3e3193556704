import { describe, expect, it } from 'vitest'
import { parseCluster, type PgClusterInput } from '../model'
import { carries, configPatch, patchSummary } from './settings-patch'
import { buildPatroniSettings, showSql } from './settings'
import type { HostExec } from '../../host-exec'

const input: PgClusterInput = {
  id: 'pt',
  major: '15',
  members: [1, 2, 3].map((i) => ({ name: `pt${i}`, host: `host${i}`, address: `10.0.0.1${i}`, port: 5460, dataDir: `/srv/pt${i}`, access: 'sudo' as const, sync: true })),
}
const c = parseCluster(input)
const tags = { pt1: false, pt2: false, pt3: false }
const next = (change: Partial<PgClusterInput> = {}, sync?: boolean) => parseCluster({ ...input, ...change, members: input.members.map((m) => ({ ...m, ...(sync !== undefined && { sync }) })) })

describe('settings through Patroni: PATCH /config bodies', () => {
  it('only the keys asked for: node count, strictness, maximum lag, reloadable parameters', () => {
    expect(configPatch(c, next({ sync: { method: 'FIRST', num: 2 } }), { syncNum: 2 }, tags)).toEqual({ synchronous_node_count: 2 })
    expect(configPatch(c, next({ lostSync: { policy: 'available', afterS: 10 } }), { lostSync: 'available' }, tags)).toEqual({ synchronous_mode_strict: false })
    expect(configPatch(c, next({ maxLagBytes: 1048576 }), { maxLagBytes: 1048576 }, tags)).toEqual({ maximum_lag_on_failover: 1048576 })
    expect(configPatch(c, next(), { synchronousCommit: 'remote_apply', walKeepSize: '2GB', slotWalCap: '-1' }, tags)).toEqual({
      postgresql: { parameters: { synchronous_commit: 'remote_apply', wal_keep_size: '2GB', max_slot_wal_keep_size: '-1' } },
    })
  })

  it('ttl, loop_wait and retry_timeout: checked against Patroni\'s rule with the values it runs with; the plan says the expected failover time', () => {
    const now = { ttl: 7, loop_wait: 1, retry_timeout: 3 }
    expect(configPatch(c, next(), { ttl: 10, loopWait: 2 }, tags, now)).toEqual({ ttl: 10, loop_wait: 2 })
    expect(() => configPatch(c, next(), { retryTimeout: 4 }, tags, now)).toThrow(/loop_wait \+ 2 × retry_timeout \(9 s\) must not exceed ttl \(7 s\).*now ttl 7, loop_wait 1, retry_timeout 3/)
    expect(patchSummary(c, { ttl: 10 }, c, now).join(' ')).toMatch(/With ttl 10 s, loop_wait 1 s and retry_timeout 3 s a powered-off primary is replaced in about/)
  })

  it('synchronous mode off (every member --sync false), and on again for the members Patroni tags sync', () => {
    const off = next({}, false)
    expect(configPatch(c, off, {}, tags)).toEqual({ synchronous_mode: false, synchronous_mode_strict: false })
    expect(configPatch(off, c, {}, tags)).toEqual({ synchronous_mode: true, synchronous_node_count: 1, synchronous_mode_strict: true })
    expect(() => configPatch(off, c, {}, { ...tags, pt3: true })).toThrow(/pt3 nosync.*only be turned off/)
  })

  it('what Patroni 3.0.2 cannot express is refused with the reason', () => {
    expect(() => configPatch(c, next({ sync: { method: 'ANY', num: 1 } }), { syncMethod: 'ANY' }, tags)).toThrow(/no quorum commit \(ANY k\)/)
    expect(() => configPatch(c, c, { maxWalSenders: 20 }, tags)).toThrow(/need a restart/)
    expect(() => configPatch(c, c, { priority: 2 }, tags)).toThrow(/no failover priority/)
    expect(() => configPatch(c, c, { memberSettings: [{ name: 'pt3', neverPromote: true }] }, tags)).toThrow(/nofailover tag/)
    expect(() => configPatch(c, c, { relaxAfterS: 30 }, tags)).toThrow(/relaxes at once/)
    expect(() => configPatch(c, c, { replicas: 3 }, tags)).toThrow(/Take the cluster back/)
    expect(() => configPatch(c, c, { serviceAddress: '10.0.0.50' }, tags)).toThrow(/keepalived/)
    expect(() => configPatch(c, c, {}, tags)).toThrow(/No setting Patroni takes/)
    const partly = parseCluster({ ...input, members: input.members.map((m) => ({ ...m, sync: m.name !== 'pt3' })) })
    expect(() => configPatch(c, partly, {}, tags)).toThrow(/pt3 sync/)
  })

  it('the read-back: GET /config carries the patch (numbers and strings alike); sizes compared in bytes', () => {
    const cfg = { loop_wait: 2, synchronous_mode: true, maximum_lag_on_failover: 1048576, postgresql: { use_slots: true, parameters: { wal_keep_size: '2GB', synchronous_commit: 'on' } } }
    expect(carries(cfg, { maximum_lag_on_failover: 1048576, postgresql: { parameters: { wal_keep_size: '2GB' } } })).toBe(true)
    expect(carries(cfg, { postgresql: { parameters: { synchronous_commit: 'remote_apply' } } })).toBe(false)
    expect(carries(cfg, { synchronous_mode_strict: true })).toBe(false)
    expect(showSql({ wal_keep_size: '2GB', synchronous_commit: 'on' })).toBe(
      "SELECT json_build_object('wal_keep_size', pg_size_bytes(current_setting('wal_keep_size')) = pg_size_bytes('2GB'), 'synchronous_commit', current_setting('synchronous_commit') = 'on')",
    )
    expect(patchSummary(c, { synchronous_node_count: 2 })[0]).toMatch(/every member applies them on its next loop/)
  })

  it('a new notification URL is no PATCH: the settings operation rewrites each member\'s callback script', () => {
    const withUrl = next({ notifyUrl: 'https://ntfy.sh/home-db' })
    expect(configPatch(c, withUrl, { notifyUrl: 'https://ntfy.sh/home-db' }, tags)).toEqual({})
    expect(patchSummary(withUrl, {}, c)).toEqual(["Role changes are posted to https://ntfy.sh/home-db by the servers themselves (Patroni's on_role_change callback on every member, rewritten; nothing restarts)."])
    const hosts = {} as HostExec
    expect(buildPatroniSettings(hosts, { cluster: withUrl, previous: c, via: 'pt1', body: {} }).map((s) => s.id)).toEqual(['preflight', 'notify'])
    expect(buildPatroniSettings(hosts, { cluster: withUrl, previous: c, via: 'pt1', body: { maximum_lag_on_failover: 1 } }).map((s) => s.id)).toEqual(['preflight', 'patch', 'verify', 'notify'])
    expect(buildPatroniSettings(hosts, { cluster: c, previous: c, via: 'pt1', body: { maximum_lag_on_failover: 1 } }).map((s) => s.id)).toEqual(['preflight', 'patch', 'verify'])
    expect(patchSummary(c, {}, withUrl)[0]).toMatch(/no longer posted/)
  })
})
