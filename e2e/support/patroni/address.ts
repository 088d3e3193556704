// The service address and the notification URL of the Patroni lab test (test code): a free
// address on the lab bridge held in manual mode first (as issue 18 leaves it: every member
// listening on '*', the address on the primary), who holds it read with `ip -o addr` on every
// host, a write probe that knows only the address beside the per-host one, and a small HTTP
// listener on the bridge's own address that the lab hosts' callbacks POST to.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect } from 'vitest'
import { describeReport, setupProbe, WriteProbe } from '../../probe'
import { HA_HOSTS } from '../postgres/ha-cluster'
import type { World } from '../postgres/lab-world'
import type { PgCluster } from '../../../electron/core/engines/postgres/model'
import { PgNode } from '../../../electron/core/engines/postgres/node'
import { restartCommand } from '../../../electron/core/engines/postgres/instance'
import { clusterAddress } from '../../../electron/core/engines/postgres/service-address'

/** The lab subnet's .201 (issue 18's tests use .200). */
export const vipOf = (w: World) => w.host('host1').address.replace(/\.\d+$/, '.201')

/** The record with the address and URL, in manual mode on the servers: listen_addresses '*' (standbys restarted first), the address on the primary. */
export async function inManualMode(w: World, c: PgCluster, notifyUrl: string): Promise<PgCluster> {
  const next = w.engine.parseCluster({ ...c, notifyUrl, serviceAddress: { address: vipOf(w), prefix: 24, interfaces: Object.fromEntries(HA_HOSTS.map((h) => [h, 'eth0'])) } })
  for (const m of [...next.members].reverse()) {
    const n = new PgNode(w.hosts, m, c.major)
    await n.sql(["ALTER SYSTEM SET listen_addresses = '*'"])
    await n.run(restartCommand(n), { timeoutMs: 60_000 })
  }
  await clusterAddress(w.hosts, next)!.moveTo(next.members[0]!.host)
  return next
}

/** The lab hosts whose interfaces carry the address now (a powered-off host carries nothing). */
export async function holders(w: World, address: string): Promise<string[]> {
  const seen = await Promise.all(HA_HOSTS.map(async (h) => ((await w.tryRoot(h, ['ip', '-o', '-4', 'addr', 'show']).catch(() => ({ stdout: '' }))).stdout.includes(` ${address}/`) ? h : '')))
  return seen.filter(Boolean)
}

/** The per-host write probe and one that connects only to the service address, as an app does. */
export async function startProbes(c: PgCluster, primary: string) {
  const access = await setupProbe({ members: c.members.map((m) => ({ name: m.name, host: m.host, address: m.address, port: m.port })), primary })
  const probe = await WriteProbe.start({ members: access.members, password: access.password, writeTimeoutMs: 3000 })
  const app = await WriteProbe.start({ members: [{ name: 'vip', address: c.serviceAddress!.address, port: c.members[0]!.port }], password: access.password, writeTimeoutMs: 3000 })
  return {
    probe,
    app,
    /** Stops both; nothing acknowledged lost on the final primary, nor through the address. */
    async finish(finalPrimary: string) {
      await Promise.all([probe.stop(), app.stop()])
      const report = await probe.verify(finalPrimary)
      for (const k of ['lost', 'phantom', 'overlaps', 'splits'] as const) expect(report[k], describeReport(report)).toEqual([])
      const appReport = await app.verify('vip')
      expect(appReport.lost, `through the address: ${describeReport(appReport)}`).toEqual([])
      expect(appReport.acknowledged, 'writes through the address').toBeGreaterThan(0)
      return { report, appReport }
    },
    teardown: async () => {
      await Promise.all([probe.stop(), app.stop()]).catch(() => undefined)
      await access.teardown()
    },
  }
}

export interface Posted {
  path: string
  at: number
  body: Record<string, unknown>
}

/** An HTTP listener on the bridge's own address (the machine's side of the lab LAN): what the hosts' callbacks POST. */
export async function startListener(w: World): Promise<{ url: (path: string) => string; posted: Posted[]; close: () => Promise<void> }> {
  const posted: Posted[] = []
  const server: Server = createServer((req, res) => {
    let text = ''
    req.on('data', (d: Buffer) => (text += d.toString()))
    req.on('end', () => {
      let body: Record<string, unknown> = {}
      try {
        body = JSON.parse(text) as Record<string, unknown>
      } catch {
        body = { text }
      }
      posted.push({ path: req.url ?? '', at: performance.now(), body })
      res.end('ok')
    })
  })
  const ip = w.host('host1').address.replace(/\.\d+$/, '.1')
  await new Promise<void>((r) => server.listen(0, ip, r))
  const port = (server.address() as AddressInfo).port
  return { url: (path) => `http://${ip}:${port}${path}`, posted, close: () => new Promise((r) => server.close(() => r())) }
}
