import { describe, expect, it } from 'vitest'
import { planOperation } from '../../../operations'
import type { HostExec } from '../../host-exec'
import { parseCluster, type PgClusterInput } from '../model'
import { patroniKinds } from '.'

const input: PgClusterInput = {
  id: 'pt',
  major: '15',
  members: [1, 2, 3].map((i) => ({ name: `pt${i}`, host: `host${i}`, address: `10.0.0.1${i}`, port: 5460, dataDir: `/srv/pt${i}`, access: 'sudo' as const, sync: true })),
}
const c = parseCluster(input)
/** Plans read nothing from the servers here: any call is a test failure. */
const noHosts: HostExec = { exec: () => Promise.reject(new Error('no remote call expected while planning')) }
const remote = { run: () => Promise.reject(new Error('no remote call expected while planning')) }

describe('hand-back plan', () => {
  it('pause, stop, settings, etcd, verify in that order; the pause through the REST API, the password read on the server', async () => {
    const plan = await planOperation(patroniKinds(noHosts).handbackOf(c), remote)
    expect(plan.steps.map((s) => s.id)).toEqual(['preflight', 'pause', 'stop', 'settings', 'etcd', 'verify'])
    const pause = plan.steps.find((s) => s.id === 'pause')!.commands[0]!
    expect(pause).toMatchObject({ host: 'host1', runAs: 'postgres' })
    expect(pause.argv.slice(3)).toEqual(['PATCH', 'http://10.0.0.11:8008/config', '10', 'replicadesk', 'pt1'])
    const stop = plan.steps.find((s) => s.id === 'stop')!.commands.map((x) => x.argv.join(' '))
    expect(stop.slice(0, 3)).toEqual(['systemctl disable --now patroni@15-pt1.service', 'systemctl disable --now patroni@15-pt2.service', 'systemctl disable --now patroni@15-pt3.service'])
    // Then ReplicaDesk's drop-in on each Patroni unit, and systemd reloaded on each host.
    expect(stop.slice(3, 6).map((x) => x.split(' ').at(-1))).toEqual([1, 2, 3].map((i) => `/etc/systemd/system/patroni@15-pt${i}.service.d/replicadesk.conf`))
    expect(stop.slice(6)).toEqual(Array(3).fill('systemctl daemon-reload'))
    const etcd = plan.steps.find((s) => s.id === 'etcd')!.commands
    expect(etcd[0]!.argv).toContain('--prefix')
    expect(etcd[0]!.argv).toContain('/service/pt/')
    expect(etcd[0]!.argv.some((a) => String(a).startsWith('--cert='))).toBe(true)
    expect(plan.summary.join(' ')).toMatch(/not restarted/)
    expect(etcd.slice(1).map((x) => `${x.host} ${x.argv.join(' ')}`)).toEqual([1, 2, 3].map((i) => `host${i} systemctl disable --now replicadesk-etcd.service`))
  })

  it('--keep-etcd: this cluster\'s keys deleted, etcd left running', async () => {
    const plan = await planOperation(patroniKinds(noHosts).handbackOf(c, true), remote)
    const etcd = plan.steps.find((s) => s.id === 'etcd')!
    expect(etcd.commands.map((x) => x.argv.includes('/service/pt/'))).toEqual([true])
    expect(plan.summary.join(' ')).toMatch(/etcd keeps running on host1, host2 and host3 \(--keep-etcd/)
  })

  it('hand-over: the drop-in on each Patroni unit written and systemd reloaded before any Patroni starts; etcd\'s leadership moved off the leader\'s host at the end', async () => {
    const plan = await planOperation(patroniKinds(noHosts).handoverOf(c), remote)
    const config = plan.steps.find((s) => s.id === 'config')!.commands
    const dropIns = config.filter((x) => String(x.argv.at(-3)).endsWith('/replicadesk.conf'))
    expect(dropIns.map((x) => `${x.host} ${x.runAs} ${String(x.argv.at(-3))}`)).toEqual([1, 2, 3].map((i) => `host${i} root /etc/systemd/system/patroni@15-pt${i}.service.d/replicadesk.conf`))
    expect(dropIns[0]!.note).toContain('Restart=on-failure\nRestartSec=5\n')
    expect(config.filter((x) => x.argv.join(' ') === 'systemctl daemon-reload').map((x) => x.host)).toEqual(['host1', 'host2', 'host3'])
    const ids = plan.steps.map((s) => s.id)
    expect(ids.indexOf('config')).toBeLessThan(ids.indexOf('primary'))
    const verify = plan.steps.find((s) => s.id === 'verify')!.commands.filter((x) => x.argv.includes('https://10.0.0.11:2379'))
    expect(verify).toHaveLength(1)
    expect(verify[0]!.runAs).toBe('postgres')
    expect(String(verify[0]!.argv[2])).toContain('move-leader')
  })

  it('settings: ReplicaDesk\'s own values per member, its rd_* slots, postgresql.conf back from Patroni\'s base file', async () => {
    const plan = await planOperation(patroniKinds(noHosts).handbackOf(c), remote)
    const cmds = plan.steps.find((s) => s.id === 'settings')!.commands
    const pt1 = cmds.filter((x) => x.host === 'host1').map((x) => x.argv.map(String).join(' ')).join('\n')
    expect(pt1).toContain(`ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 ("pt2", "pt3")'`)
    expect(pt1).toContain("ARRAY['rd_pt2', 'rd_pt3']")
    expect(pt1).toMatch(/postgresql\.base\.conf/)
    expect(JSON.stringify(plan)).not.toMatch(/password":/)
  })
})
