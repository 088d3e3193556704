// The first hour of a new user, in the browser against the test lab's real sshd and PostgreSQL
// 15, through the page only: an empty start; two hosts added (their keys trusted from the
// fingerprint dialog); a cluster created on host1; a synchronous replica added on host2 while
// the page shows it "being created" with its progress on its own card (not red, not counted as
// down); host1 killed (its labels whole, not cut); the failover plan; and the result, where the
// killed ex-primary's badge says "fenced" (with "was primary" beside it), not "primary". The
// Activity screen folds the status poll's repeats, shows every entry on a switch, and long
// scripts by their first lines. A few small screenshots of these screens are kept under
// e2e/first-hour-screens/ (committed), so changes to them are seen in review.
import { join } from 'node:path'
import { execOk, kill, resetHost, type Lab, type LabHost } from '../lab'
import { expect, test } from '../fixtures/app'
import { labHosts, requireLab, requireLabNetns } from '../fixtures/lab'
import { lockLabHosts } from '../fixtures/labLock'
import { cleanLabMember } from '../fixtures/labMembers'
import { repoRoot } from '../fixtures/paths'
import { ActivityPage } from '../pages/ActivityPage'
import { ClustersPage } from '../pages/ClustersPage'
import { HostsPage } from '../pages/HostsPage'
import { OperationsPage } from '../pages/OperationsPage'
import { RoleActions } from '../pages/RoleChangeDialog'
import { StatusPanel } from '../pages/StatusPanel'
import type { Locator } from '@playwright/test'

let lab: Lab
const CLUSTER = 'first'
const PORT = 5449
const members = [
  { name: 'fh1', host: 'host1', dataDir: '/var/lib/postgresql/15/first1' },
  { name: 'fh2', host: 'host2', dataDir: '/var/lib/postgresql/15/first2' },
] as const
const [primary, replica] = members
const screensDir = join(repoRoot, 'e2e', 'first-hour-screens')

/** A small picture of one part of the screen (its top, as far as the window shows it), kept in the repository. */
async function screen(name: string, part: Locator): Promise<void> {
  const page = part.page()
  await part.evaluate((el) => el.scrollIntoView({ block: 'start' }))
  const box = await part.boundingBox()
  const view = page.viewportSize()
  if (!box || !view) throw new Error(`${name}: nothing on screen to picture`)
  const x = Math.max(0, box.x)
  const y = Math.max(0, box.y)
  const clip = { x, y, width: Math.min(box.width, view.width - x), height: Math.min(box.height, view.height - y) }
  await page.screenshot({ path: join(screensDir, `${name}.png`), clip, animations: 'disabled', scale: 'css' })
}

test.beforeAll(() => {
  lab = requireLab()
})

test.afterAll(async () => {
  if (!lab) return
  const release = await lockLabHosts('first-hour: clean up')
  try {
    for (const m of members) await cleanLabMember(lab, m)
  } finally {
    release()
  }
})

test('the first hour: empty start, hosts, a cluster, a replica being created, the primary killed, failover, the ex-primary fenced', async ({ app }) => {
  requireLabNetns(lab, 'killing a host needs network namespaces')
  test.setTimeout(240_000) // about 60 s of it ours; the rest only if another spec holds the hosts
  const release = await lockLabHosts('first-hour: cluster on host1, replica on host2, kill host1, failover')
  try {
    for (const m of members) await cleanLabMember(lab, m)
    const t0 = Date.now()
    const lap = (what: string) => console.log(`${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    const page = app.page

    // --- empty start ---------------------------------------------------------------------------
    const clusters = new ClustersPage(page)
    await clusters.shell.expectConnected()
    await expect(clusters.emptyState).toContainText('No clusters yet')
    await screen('1-empty-start', page.locator('main'))

    // --- two hosts, their keys trusted from the fingerprint dialog -----------------------------
    const hosts = new HostsPage(page)
    await hosts.open()
    for (const h of labHosts(lab, 2) as LabHost[]) {
      await hosts.addAndTest({ name: h.name, address: h.address, port: h.port, user: lab.users.postgres, identityFile: lab.clientKeyPath })
      await hosts.keyDialog.expectQuestion(h.name)
      await expect(hosts.keyDialog.fingerprint).toHaveText(h.hostKeyFingerprint)
      await hosts.keyDialog.trust()
      await expect(hosts.connection(h.name)).toHaveAttribute('data-state', 'connected', { timeout: 15_000 })
      await expect(hosts.system(h.name).postgres).toHaveText('PostgreSQL 15', { timeout: 15_000 })
    }
    await screen('2-hosts-connected', hosts.table)
    lap('two hosts added and trusted')

    // --- a cluster on host1 ---------------------------------------------------------------------
    await clusters.open()
    const wizard = await clusters.startCreate()
    await wizard.pickHost(primary.host)
    await wizard.next()
    await wizard.clusterId.fill(CLUSTER)
    await wizard.member.fill(primary.name)
    await wizard.fillPlacement({ layout: 'plain', dataDir: primary.dataDir, port: PORT })
    await wizard.create()
    const creation = new OperationsPage(page).card('pg-create-cluster', CLUSTER)
    await creation.expectEnded('succeeded', 60_000)
    lap('cluster created')

    // Some data, so that the copy to the replica takes a moment to watch.
    await execOk(primary.host, [`${lab.pgBin}/pgbench`, '-i', '-q', '-s', '4', '-h', '/var/run/postgresql', '-p', String(PORT), 'postgres'], { user: 'postgres', timeoutMs: 60_000 })
    lap('pgbench -i -s 4 done')

    await clusters.open()
    const card = clusters.cluster(CLUSTER)
    const status = new StatusPanel(page, CLUSTER)
    const roles = new RoleActions(page, CLUSTER)
    await expect(status.primary).toHaveText(primary.name, { timeout: 15_000 })
    await expect(status.badge(primary.name)).toHaveText('primary')
    await expect(card.now(primary.name)).toHaveAttribute('data-badge', 'primary')

    // --- a synchronous replica on host2: "being created" with its progress, where it is --------
    const add = await card.startAddReplica()
    await add.pickHost(replica.host)
    await add.name.fill(replica.name)
    await add.fillPlacement({ dataDir: replica.dataDir, port: PORT, sync: true })
    await add.add()
    const stop = await status.recordMember(replica.name)
    const adding = card.operation('pg-add-replica')
    await expect(status.card(replica.name)).toBeVisible({ timeout: 15_000 })
    if ((await adding.root.getAttribute('data-status')) === 'running' && (await status.progress(replica.name).count())) {
      await screen('3-replica-being-created', status.root.getByTestId('member-cards'))
    }
    await adding.expectEnded('succeeded', 60_000)
    await expect(status.card(replica.name)).toHaveAttribute('data-state', 'up', { timeout: 15_000 })
    await expect(status.badge(replica.name)).toHaveText('standby')
    await expect(status.upCount).toHaveText('2 of 2 up')
    const seen = await stop()
    console.log(`replica card: ${seen.map((s) => `${s.label}${s.percent !== null ? ` ${s.percent}%${s.rate ? ` ${s.rate}` : ''}${s.eta ? ` ${s.eta}` : ''}` : ''} [${s.state}${s.stateText ? ` ${s.stateText}` : ''}; ${s.upCount}${s.busyCount ? `, ${s.busyCount}` : ''}]`).join(' → ')}`)
    const creating = seen.filter((s) => s.busy)
    expect(creating.length, 'the new member was never shown as being created').toBeGreaterThan(0)
    for (const s of creating) {
      // Shown as such: not red "stopped", not counted as down, the copy's progress on its card.
      expect(s).toMatchObject({ badge: 'operation', label: 'being created', stateText: null, busyCount: '1 being created', upCount: '1 of 1 up' })
      expect(s.percent).not.toBeNull()
      expect(s.node).toBe('being created')
    }
    expect(creating.some((s) => s.percent! > 0 && s.percent! < 100), 'no progress between 0 and 100 % on the member card').toBe(true)
    // Never red on the way: until the status reads it up, it is "being created" (no flash of
    // "PostgreSQL stopped" between the end of the copy and the next poll).
    const firstUp = seen.findIndex((s) => s.state === 'up')
    expect(firstUp, 'the new member was never read up').toBeGreaterThan(0)
    expect(seen.slice(0, firstUp).filter((s) => !s.busy), 'shown as something else than being created before it was up').toEqual([])
    lap('replica added')

    // --- host1 dies ----------------------------------------------------------------------------
    await expect(status.card(replica.name).getByTestId('member-card-sync')).toContainText(/quorum|sync/, { timeout: 15_000 })
    const killedAt = Date.now()
    await kill(primary.host, lab)
    await expect(status.card(primary.name)).toHaveAttribute('data-state', 'down', { timeout: 5_000 })
    console.log(`kill ${primary.host}: shown down after ${Date.now() - killedAt} ms`)
    // Not fenced yet: down (the host) or stopped (PostgreSQL), with the role it had beside it.
    await expect(status.badge(primary.name)).toHaveText(/^(down|stopped)$/)
    await expect(status.was(primary.name)).toHaveText('was primary')
    await expect(roles.failoverButton).toHaveAttribute('data-urgent', 'true')
    // Its labels are whole: the state on its own line in the box, the reason wrapped on the card.
    await expect(status.node(primary.name).getByTestId('topology-state')).not.toContainText('…')
    await expect(status.reason(primary.name)).toContainText(primary.host)
    for (const part of [status.card(primary.name).getByTestId('member-card-state'), status.reason(primary.name)]) {
      expect(await part.evaluate((el) => el.scrollWidth <= el.clientWidth + 1), 'a label cut off instead of wrapped').toBe(true)
    }
    await screen('4-primary-killed', status.root)

    // --- the failover plan -----------------------------------------------------------------------
    const dialog = await roles.openFailover()
    await dialog.waitPlanned()
    const planned = await dialog.readAssessment()
    expect(planned).toMatchObject({ from: primary.name, to: replica.name, lossKind: 'none' })
    await expect(dialog.confirmButton).toHaveText(`Fail over to ${replica.name}`)
    await screen('5-failover-plan', dialog.root)
    await dialog.confirm()
    const failover = card.operation('pg-failover')
    await failover.expectEnded('succeeded', 60_000)
    lap('failover done')

    // --- the result: the killed ex-primary is fenced, and every view says so --------------------
    await expect(status.primary).toHaveText(replica.name, { timeout: 15_000 })
    await expect(status.badge(replica.name)).toHaveText('primary')
    await expect(status.badge(primary.name)).toHaveText('fenced', { timeout: 15_000 })
    await expect(status.badge(primary.name)).toHaveAttribute('data-badge', 'fenced')
    await expect(status.was(primary.name)).toHaveText('was primary')
    await expect(status.nodeBadge(primary.name)).toHaveText('fenced · was primary')
    await expect(card.now(primary.name)).toHaveAttribute('data-badge', 'fenced')
    await expect(card.now(primary.name)).toContainText('was primary')
    await expect(roles.rejoinOffer(primary.name)).toHaveAttribute('data-reason', 'fenced')
    await screen('6-after-failover', card.root)
    lap('the ex-primary shown fenced')

    // --- the activity log: the status poll's repeats folded, every entry one switch away --------
    const activity = new ActivityPage(page)
    await activity.open()
    await expect(activity.repeats.first()).toBeVisible()
    await expect(activity.folded).toContainText('routine repeats folded')
    // A long script (the cluster lease's) shows its first lines, the whole of it one click away.
    const toggle = activity.commandToggles.first()
    await expect(toggle).toContainText('Show the whole command')
    await screen('7-activity-folded', page.locator('main'))
    await toggle.click()
    await expect(toggle).toHaveText('Show less')
    const foldedRows = await activity.rows.count()
    await activity.showEvery.click()
    await expect.poll(() => activity.rows.count()).toBeGreaterThan(foldedRows)
    await expect(activity.repeats).toHaveCount(0)
    lap('activity folded')
  } finally {
    // The next holder of the hosts finds the killed host booted again (its PostgreSQL stays down).
    await resetHost(primary.host, lab)
    release()
  }
})
