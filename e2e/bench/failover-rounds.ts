// Shared by the failover and service-address benches (bench code, not a test): waiting for
// the instance's status to show a member down, and the way back to three streaming members
// between rounds (the old primary's host back, `cluster.rejoin` through the instance).
import { exec } from '../lab'
import type { ArmedFault } from '../probe'
import { activityLines, converged, sleep, statusSettled, topology, type Instance, type RolesCluster } from './roles-common'

/** Until status through the instance shows `member` down (polled every 10 ms on the warm session; at most 10 s). */
export async function waitDown(inst: Instance, c: RolesCluster, member: string) {
  const until = performance.now() + 10_000
  while (performance.now() < until) {
    const s = await inst.call<{ members: { name: string; state: string }[] }>('status.get', { cluster: c.id })
    if (s.members.find((m) => m.name === member)?.state === 'down') return
    await sleep(10)
  }
  throw new Error(`status never showed ${member} down`)
}

/**
 * The old primary's host comes back (after host-kill and power-off); the member rejoins as a
 * replica (pg_rewind) through the instance. A rejoin that reports success while the member does
 * not stream is described in `o.incidents` and rejoined again. Returns the time.
 */
export async function backToThree(c: RolesCluster, inst: Instance, armed: ArmedFault, old: string, primary: string, o: { incidents: string[]; warm?: () => Promise<void> }): Promise<number> {
  const t0 = performance.now()
  await armed.recover()
  const logFrom = inst.server.log.length
  const r = await inst.operation('cluster.rejoin', { cluster: c.id, member: old, yes: true })
  if (r.summary.status !== 'succeeded') throw new Error(`rejoin ${old}: ${r.summary.status}: ${r.summary.error?.message}`)
  let now: string
  try {
    now = await converged(c, 15_000)
  } catch (err) {
    // The rejoin said it streams, yet it does not: say what the instance did after it, then
    // take ReplicaDesk's own way back (rejoin again) and go on.
    const ended = r.t0Wall + r.ms
    const fenced = (await inst.call<{ id: string; fenced: string[] }[]>('cluster.list', {})).find((x) => x.id === c.id)?.fenced
    const lines = [
      `rejoin of ${old} succeeded (${Math.round(r.ms)} ms), yet: ${(err as Error).message}; record fenced: ${JSON.stringify(fenced)}`,
      '  instance log since the rejoin:',
      ...inst.server.log.slice(logFrom).map((l) => `    ${l}`),
      '  remote commands of the instance from the end of the rejoin on:',
      ...(await activityLines(inst, ended - 50)),
      `  last lines of ${old}'s server log:`,
      ...(await exec(c.member(old).host.name, ['tail', '-n', '25', `/var/log/postgresql/replicadesk-${old}.log`])).stdout.split('\n').map((l) => `    ${l}`),
    ]
    console.log(lines.join('\n'))
    o.incidents.push(lines.join('\n'))
    // Every member that does not stream (a bare round's re-pointed standby may not either) rejoins.
    const top = await topology(c)
    for (const m of c.members.map((x) => x.name).filter((x) => x !== primary && !top.streaming.includes(x))) {
      const again = await inst.operation('cluster.rejoin', { cluster: c.id, member: m, yes: true })
      if (again.summary.status !== 'succeeded') throw new Error(`rejoin ${m} again: ${again.summary.status}: ${again.summary.error?.message}`)
    }
    now = await converged(c)
  }
  if (now !== primary) throw new Error(`after rejoin ${now} is primary, not ${primary}`)
  await statusSettled(inst, c, primary)
  await o.warm?.()
  return performance.now() - t0
}
