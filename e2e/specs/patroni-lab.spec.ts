// Automatic failover (Patroni + etcd, issue 19) in the browser against the test lab: a
// synchronous primary on host1 and replicas on host2 and host3 (made through the CLI, logged in
// as the admin with sudo: the hand-over writes units and /etc/patroni).
//  - The card's "Automatic failover" switch opens the hand-over's plan (a dry run); confirmed,
//    the operation runs on the card, and the card then says automatic (Patroni), "etcd 3/3",
//    Patroni's leader and each member in Patroni's words, and the expected failover time; a
//    Switchover from the page goes through Patroni's REST API (to its synchronous standby) and the
//    new leader is shown; Failover plans through Patroni, and the switch (now on) the hand-back
//    (both cancelled).
//  - The leader's host powered off: Patroni promotes a replica with nobody clicking, and the
//    page shows the new leader (Patroni's view and the live status' primary) without any click.
//  - A second etcd voter's host powered off: "etcd 1/3", and the card says in plain words why
//    Patroni cannot fail over now (no etcd majority; the primary demoted: failsafe_mode is off),
//    and the live status shows it so: no member accepts writes.
// host1 is powered on again and Patroni, etcd and the cluster are removed in the cleanup.
import { powerOff, powerOn, requireNetns, resetHost, type Lab, type LabHost } from '../lab'
import { expect, test } from '../fixtures/app'
import { labHosts, requireLab } from '../fixtures/lab'
import { lockLabHosts } from '../fixtures/labLock'
import { cliOk } from '../fixtures/labMembers'
import { AutomaticFailoverCard } from '../pages/AutomaticFailover'
import { ClustersPage } from '../pages/ClustersPage'
import { OperationCard } from '../pages/OperationsPage'
import { RoleActions } from '../pages/RoleChangeDialog'
import { StatusPanel } from '../pages/StatusPanel'
import { haCluster, HA_HOSTS } from '../support/postgres/ha-cluster'
import { cleanPatroni, patroniWorld } from '../support/patroni/lab'
import type { World } from '../support/postgres/lab-world'
import type { PgCluster } from '../../electron/core/engines/postgres/model'

// The specs share the lab's hosts: one after another, in one worker.
test.describe.configure({ mode: 'default' })

let lab: Lab
// Its own id (Patroni's scope), port and data dirs (the Patroni lab test uses pt and 5460).
const CLUSTER = 'ptw'
const PORT = 5461

test.beforeAll(() => {
  lab = requireLab()
  requireNetns('Patroni lab spec: power-off of the leader host')
})

/** The cluster the CLI makes, as the lab fixtures describe it (for their cleanup). */
function record(w: World): PgCluster {
  const c = haCluster(w, { id: CLUSTER, layout: 'plain', sync: true, port: PORT })
  return w.engine.parseCluster({ ...c, members: c.members.map((m) => ({ ...m, access: 'sudo' as const })) })
}

test('automatic failover: switched on from the page (plan, confirm); the leader host powered off, the page shows the new leader without a click', async ({ app }) => {
  test.setTimeout(300_000) // most of it only if another spec or lab test holds the lab's hosts
  const release = await lockLabHosts('patroni-lab: hand-over on host1..3, power-offs')
  const w = await patroniWorld()
  const c = record(w)
  let powered: string | null = null
  let powered2: string | null = null
  try {
    const t0 = Date.now()
    const lap = (what: string) => console.log(`${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    await cleanPatroni(w, c)
    lap('hosts clean')

    // --- a synchronous cluster of three, made through the CLI as the admin (sudo) ------------
    for (const h of labHosts(lab, 3) as LabHost[]) {
      await cliOk(app, ['host', 'add', h.name, '--address', h.address, '--port', String(h.port), '--user', lab.users.admin, '--identity-file', lab.clientKeyPath])
      await cliOk(app, ['host', 'trust', h.name, h.hostKeyFingerprint])
    }
    const [m1, m2, m3] = c.members as [PgCluster['members'][0], PgCluster['members'][0], PgCluster['members'][0]]
    await cliOk(app, ['cluster', 'create', CLUSTER, '--member', m1.name, '--host', m1.host, '--pgdata', m1.dataDir, '--port', String(PORT), '--sync'], m1)
    for (const r of [m2, m3]) await cliOk(app, ['replica', 'add', CLUSTER, r.name, '--host', r.host, '--pgdata', r.dataDir, '--port', String(PORT), '--sync'], r)
    lap('cluster of 3 made')

    const clusters = new ClustersPage(app.page)
    await clusters.shell.expectConnected()
    const card = clusters.cluster(CLUSTER)
    const status = new StatusPanel(app.page, CLUSTER)
    await expect(status.primary).toHaveText(m1.name, { timeout: 15_000 })
    const auto = new AutomaticFailoverCard(app.page, card.root)
    await expect(auto.switch).toHaveAttribute('data-on', 'false')
    await expect(auto.label).toHaveCount(0)

    // --- the switch: the plan first, nothing runs before Confirm -------------------------------
    const dialog = await auto.toggle()
    await dialog.waitPlanned()
    const summary = await dialog.plan.readSummary()
    console.log(`hand-over plan: ${summary.join(' | ')}`)
    expect(summary[0]).toContain(`Cluster ${CLUSTER} is handed over to Patroni + etcd`)
    const steps = await dialog.plan.steps.evaluateAll((els) => els.map((e) => e.getAttribute('data-step')))
    expect(steps).toEqual(expect.arrayContaining(['etcd', 'primary', 'replicas']))
    await expect(auto.switch).toHaveAttribute('data-on', 'false') // only a plan so far
    await app.snapshot('automatic-plan')
    const selector = `[data-testid="cluster"][data-cluster="${CLUSTER}"] [data-testid="operation"][data-kind="pg-handover"]`
    const confirmedAt = Date.now()
    await dialog.confirm()
    const op = new OperationCard(app.page.locator(selector).first())
    await op.expectEnded('succeeded', 120_000)
    console.log(`hand-over: confirmed to succeeded in ${Date.now() - confirmedAt} ms as the page saw it`)
    lap('handed over')

    // --- the card: automatic (Patroni), etcd 3/3, Patroni's leader and members -----------------
    await expect(auto.label).toHaveText('automatic failover (Patroni)')
    await expect(auto.switch).toHaveAttribute('data-on', 'true')
    await expect(auto.store).toHaveText('etcd 3/3', { timeout: 15_000 })
    await expect(auto.leader).toHaveText(m1.name)
    await expect(auto.member(m1.name)).toHaveAttribute('data-role', 'leader')
    await expect(auto.members).toHaveCount(3)
    await expect(auto.blocker).toHaveCount(0)
    await expect(auto.error).toHaveCount(0)
    // Patroni writes synchronous_standby_names by itself: the verdict does not call that drift.
    await expect(card.health.findings.filter({ hasText: 'synchronous_standby_names' })).toHaveCount(0, { timeout: 15_000 })
    console.log(`card: ${(await auto.status.innerText()).replace(/\s+/g, ' ')}`)

    // The expected failover time for Patroni's timings now, read from its configuration.
    await expect(auto.status.getByTestId('automatic-expected')).toContainText('ttl 7 s, loop_wait 1 s and retry_timeout 3 s a powered-off primary is replaced in about', { timeout: 15_000 })

    // A switchover from the page, through Patroni: the plan names the synchronous standby, confirmed.
    const roles = new RoleActions(app.page, CLUSTER)
    const sw = await roles.openSwitchover()
    await sw.waitPlanned()
    await expect(sw.plan.title).toContainText(`Switchover of ${CLUSTER} through Patroni: ${m1.name} → `)
    const target = /→ (\S+)$/.exec((await sw.plan.title.innerText()).trim())![1]!
    const swAt = Date.now()
    await sw.confirmButton.click()
    const swOp = new OperationCard(app.page.locator(`[data-testid="cluster"][data-cluster="${CLUSTER}"] [data-testid="operation"][data-kind="pg-patroni-switchover"]`).first())
    await swOp.expectEnded('succeeded', 60_000)
    await expect(auto.leader).toHaveText(target, { timeout: 15_000 })
    await expect(status.primary).toHaveText(target, { timeout: 15_000 })
    console.log(`switchover from the page through Patroni ${m1.name} → ${target}: confirmed to leader shown in ${Date.now() - swAt} ms`)
    const first = c.members.find((m) => m.name === target)!
    lap('switched over from the page')

    // Failover stays offered and plans through Patroni (its REST API) once Patroni names a synchronous standby again; cancelled here.
    await expect(auto.status.locator('[data-testid="automatic-member"][data-role="sync_standby"]')).toHaveCount(1, { timeout: 20_000 })
    for (const kind of ['failover'] as const) {
      const d = await roles.openFailover()
      await d.waitPlanned()
      await expect(d.plan.title).toContainText(`Failover of ${CLUSTER} through Patroni`)
      await expect(d.confirmButton).toBeEnabled()
      console.log(`${kind} planned: ${await d.plan.title.innerText()} (confirm: ${await d.confirmButton.innerText()})`)
      await d.cancelButton.click()
      await expect(d.root).toBeHidden()
    }
    await auto.status.scrollIntoViewIfNeeded()
    await app.snapshot('automatic-on')
    // The switch, now on, plans the hand-back (cancelled here: nothing changes).
    const back = await auto.toggle()
    await expect(back.root).toHaveAttribute('data-direction', 'off')
    await back.waitPlanned()
    expect((await back.plan.readSummary())[0]).toContain(`Cluster ${CLUSTER} is taken back from Patroni`)
    await back.cancelButton.click()
    await expect(back.root).toBeHidden()
    await expect(auto.switch).toHaveAttribute('data-on', 'true')

    // --- power-off of the leader's host: the new leader shown without a click ------------------
    const offAt = Date.now()
    await powerOff(first.host)
    powered = first.host
    // "none" while Patroni's leader key runs out (ttl), then the replica it promoted.
    await expect(auto.leader).toHaveText(new RegExp(`^(${c.members.filter((m) => m !== first).map((m) => m.name).join('|')})$`), { timeout: 45_000 })
    const leader = (await auto.leader.innerText()).trim()
    console.log(`${first.host} powered off: Patroni's leader ${leader} shown ${Date.now() - offAt} ms later`)
    await expect(status.primary).toHaveText(leader, { timeout: 15_000 })
    console.log(`…and the live status' primary ${leader} ${Date.now() - offAt} ms after the power-off`)
    await expect(auto.member(leader)).toHaveAttribute('data-role', 'leader')
    await expect(auto.store).toHaveText('etcd 2/3', { timeout: 15_000 })
    await expect(auto.blocker).toHaveCount(0) // one voter down: Patroni still fails over
    await expect(roles.failoverButton).toHaveAttribute('data-urgent', 'false') // a primary accepts writes again
    await auto.status.scrollIntoViewIfNeeded()
    await app.snapshot('automatic-new-leader')
    lap('new leader shown')

    // --- a second etcd voter powered off: no majority, and the card says why Patroni cannot act --
    const other = c.members.find((m) => m.name !== leader && m !== first)!
    const secondAt = Date.now()
    await powerOff(other.host)
    powered2 = other.host
    await expect(auto.store).toHaveText('etcd 1/3', { timeout: 30_000 }).catch(async (e: Error) => {
      throw new Error(`${e.message}\netcd as the card read it: ${await auto.store.getAttribute('data-detail')}; ${await auto.status.innerText()}`)
    })
    await expect(auto.blocker).toBeVisible({ timeout: 15_000 })
    const why = (await auto.blocker.innerText()).replace(/\s+/g, ' ')
    console.log(`${other.host} powered off too: the card says why after ${Date.now() - secondAt} ms: ${why}`)
    expect(why).toContain('2 of 3 etcd voters down')
    expect(why).toContain('Patroni cannot elect a new leader')
    expect(why).toContain('failsafe_mode is off')
    // What it says happens: Patroni demotes the primary, so no member accepts writes.
    await expect(status.primary).toHaveText('none', { timeout: 30_000 })
    // Patroni says it cannot act: the Failover button calls for attention now.
    await expect(roles.failoverButton).toHaveAttribute('data-urgent', 'true')
    console.log(`${leader} demoted by Patroni (no member accepts writes) ${Date.now() - secondAt} ms after ${other.host}'s power-off`)
    await auto.status.scrollIntoViewIfNeeded()
    await app.snapshot('automatic-no-quorum')
    lap('no-quorum reason shown')
  } finally {
    try {
      if (powered) await powerOn(powered).catch(() => undefined)
      if (powered2) await powerOn(powered2).catch(() => undefined)
      await Promise.all(HA_HOSTS.map((h) => resetHost(h)))
      await cleanPatroni(w, c)
    } finally {
      await w.close()
      release()
    }
  }
})
