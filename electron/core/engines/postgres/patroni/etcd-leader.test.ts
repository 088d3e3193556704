// etcd's leadership moved off a new primary's host: the script run for real (this machine's sh
// and awk) against a fake etcdctl that logs its arguments and answers as etcd 3.4's `-w simple`,
// on its own and from Patroni's role-change callback (in the background, never holding it up).
import { execFile } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { patroniInput } from '../../../../../e2e/support/patroni/fixtures'
import { parseCluster } from '../model'
import { callbackScript } from './callback'
import { localEtcdEndpoint, moveLeaderArgv } from './etcd-leader'

const dir = mkdtempSync(join(tmpdir(), 'rd-etcd-leader-'))
const log = join(dir, 'etcdctl.log')
// Voter bbb is this host's; aaa refuses the leadership, ccc takes it; ddd is a learner; a voter that is down is not listed.
const row = (url: string, id: string, leader: string, learner = 'false') => `${url}, ${id}, 3.4.23, 20 kB, ${leader}, ${learner}, 2, 10, 10, `
writeFileSync(join(dir, 'etcdctl'), String.raw`#!/bin/sh
echo "$*" >> "${log}"
case "$*" in
  *"endpoint status --cluster"*) printf '%s\n' '${row('https://10.0.0.11:2379', 'aaa', 'false')}' '${row('https://10.0.0.12:2379', 'bbb', '$FAKE_LEADER')}' '${row('https://10.0.0.14:2379', 'ddd', 'false', 'true')}' '${row('https://10.0.0.13:2379', 'ccc', 'false')}'; echo 'Failed to get the status of endpoint https://10.0.0.15:2379 (context deadline exceeded)' >&2; exit 1 ;;
  *"endpoint status"*) sleep "$FAKE_SLEEP"; echo "${row('https://10.0.0.12:2379', 'bbb', '$FAKE_LEADER')}" ;;
  *"move-leader aaa") exit 1 ;;
  *"move-leader ccc") echo 'Leadership transferred from 1 to 3' ;;
esac
`)
chmodSync(join(dir, 'etcdctl'), 0o755)
afterAll(() => rmSync(dir, { recursive: true, force: true }))
beforeEach(() => rmSync(log, { force: true }))

const c = parseCluster(patroniInput)
const pt2 = c.members[1]!
const env = (leader: boolean, sleep = 0) => ({ ...process.env, PATH: `${dir}:${process.env.PATH}`, FAKE_LEADER: String(leader), FAKE_SLEEP: String(sleep) })
const run = (argv: string[], leader: boolean, sleep = 0) =>
  new Promise<{ stdout: string; ms: number }>((res, rej) => {
    const t0 = performance.now()
    execFile(argv[0]!, argv.slice(1), { env: env(leader, sleep), timeout: 10_000 }, (err, stdout) => (err ? rej(err) : res({ stdout, ms: performance.now() - t0 })))
  })
const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [])

describe("etcd's leadership off the primary's host", () => {
  it('moves it to the first other started voter that takes it, over TLS against the local endpoint', async () => {
    const endpoint = localEtcdEndpoint(c, pt2)!
    expect(endpoint).toBe('https://10.0.0.12:2379')
    const r = await run(moveLeaderArgv(endpoint), true)
    expect(r.stdout.trim()).toBe('moved to ccc')
    const seen = calls()
    expect(seen.map((x) => x.split('--dial-timeout=2s ').at(-1))).toEqual(['--command-timeout=5s endpoint status -w simple', '--command-timeout=2s endpoint status --cluster -w simple', '--command-timeout=5s move-leader aaa', '--command-timeout=5s move-leader ccc'])
    expect(seen[0]).toBe('--endpoints=https://10.0.0.12:2379 --cacert=/var/lib/replicadesk/etcd-tls/ca.crt --cert=/var/lib/replicadesk/etcd-tls/client.crt --key=/var/lib/replicadesk/etcd-tls/client.key --dial-timeout=2s --command-timeout=5s endpoint status -w simple')
  })

  it('leaves it alone when the local etcd does not lead', async () => {
    expect((await run(moveLeaderArgv(localEtcdEndpoint(c, pt2)!), false)).stdout.trim()).toBe('not the etcd leader')
    expect(calls()).toHaveLength(1)
  })

  it("runs from the role-change callback when the member becomes the primary, in the background; a replica's does nothing", async () => {
    const script = join(dir, 'cb.sh')
    writeFileSync(script, callbackScript(c, pt2))
    expect(callbackScript(c, pt2)).toContain("  master | primary) ('sh' '-c' 'ep=$1 ca=$2")
    // etcd slow to answer (1.5 s): the callback still returns at once.
    const r = await run(['/bin/sh', script, 'on_role_change', 'master', 'pt'], true, 1.5)
    expect(r.ms).toBeLessThan(1000)
    for (let i = 0; i < 60 && !calls().some((x) => x.endsWith('move-leader ccc')); i++) await new Promise((ok) => setTimeout(ok, 100))
    expect(calls().at(-1)).toMatch(/ move-leader ccc$/)
    rmSync(log, { force: true })
    await run(['/bin/sh', script, 'on_role_change', 'replica', 'pt'], true)
    await new Promise((ok) => setTimeout(ok, 300))
    expect(calls()).toEqual([])
  })
})
