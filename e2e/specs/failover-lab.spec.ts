// Failover, fence and rejoin in the browser against the test lab's real sshd and PostgreSQL 15.
//  1. A synchronous cluster (ANY 1 of two replicas) on host1..3. The lab kills host1 (a power
//     cut): the page shows the primary down within 2 s and the Failover button turns urgent;
//     its plan says, before anything runs, that nothing acknowledged is lost (synchronous);
//     confirmed, the steps run on the card and the topology shows the new primary with the
//     other replica following it, the dead one marked fenced and offered a rejoin.
//  2. A split brain made by hand (the replica promoted behind ReplicaDesk's back): the banner
//     offers to fence each writable member; the old primary is fenced from it, then brought
//     back from its card with Rejoin (pg_rewind); the rebuild option asks once more first.
import { exec, execOk, kill, resetHost, type Lab, type LabHost } from '../lab'
import { expect, test, type AppUnderTest } from '../fixtures/app'
import { labHosts, requireLab, requireLabNetns } from '../fixtures/lab'
import { lockLabHosts } from '../fixtures/labLock'
import { cleanLabMember, cliOk } from '../fixtures/labMembers'
import { ClustersPage } from '../pages/ClustersPage'
import { OperationCard } from '../pages/OperationsPage'
import { RoleActions, type RoleChangeDialog } from '../pages/RoleChangeDialog'
import { StatusPanel } from '../pages/StatusPanel'

// The specs share the lab's hosts: one after another, in one worker.
test.describe.configure({ mode: 'default' })

let lab: Lab
interface Member {
  name: string
  host: string
  dataDir: string
  port: number
}
// Their own ports and data dirs: nothing another spec runs on the same hosts is touched.
const FAILOVER = { id: 'fov', port: 5447 }
const failoverMembers: Member[] = [1, 2, 3].map((i) => ({ name: `f${i}`, host: `host${i}`, dataDir: `/var/lib/postgresql/15/fov${i}`, port: FAILOVER.port }))
const FENCE = { id: 'fnc', port: 5448 }
const fenceMembers: Member[] = [1, 2].map((i) => ({ name: `p${i}`, host: `host${i}`, dataDir: `/var/lib/postgresql/15/fnc${i}`, port: FENCE.port }))

const cleanHost = (m: Member) => cleanLabMember(lab, m)

test.beforeAll(() => {
  lab = requireLab()
})

test.afterAll(async () => {
  if (!lab) return
  const release = await lockLabHosts('failover-lab: clean up')
  try {
    for (const m of [...failoverMembers, ...fenceMembers]) await cleanHost(m)
  } finally {
    release()
  }
})

const cli = cliOk

const psql = (m: Member, sql: string) =>
  execOk(m.host, [`${lab.pgBin}/psql`, '-X', '-At', '-h', '/var/run/postgresql', '-p', String(m.port), '-d', 'postgres', '-c', sql], { user: 'postgres' }).then((s) => s.trim())

/** Host records for the first n lab hosts, added and trusted through the CLI. */
async function addHosts(app: AppUnderTest, n: number): Promise<void> {
  for (const h of labHosts(lab, n) as LabHost[]) {
    await cli(app, ['host', 'add', h.name, '--address', h.address, '--port', String(h.port), '--user', lab.users.postgres, '--identity-file', lab.clientKeyPath])
    await cli(app, ['host', 'trust', h.name, h.hostKeyFingerprint])
  }
}

/** Confirms the dialog and follows the operation it started on the cluster's card to its end. */
async function confirmAndFollow(app: AppUnderTest, dialog: RoleChangeDialog, cluster: string, kind: string, timeout = 120_000): Promise<{ op: OperationCard; ms: number }> {
  const selector = `[data-testid="cluster"][data-cluster="${cluster}"] [data-testid="operation"][data-kind="${kind}"]`
  const stopRecording = await OperationCard.recordProgress(app.page, selector)
  const started = Date.now()
  await dialog.confirm()
  const op = new OperationCard(app.page.locator(selector).first())
  await expect(op.root).toBeVisible()
  // Ended either way: a failure fails at once, with the operation's own words.
  await expect(op.root).toHaveAttribute('data-status', /succeeded|failed|interrupted|abandoned/, { timeout })
  const ms = Date.now() - started
  if ((await op.root.getAttribute('data-status')) !== 'succeeded') {
    await op.openSteps()
    const steps = (await op.steps.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ')).join(' | ')
    const error = (await op.error.count()) ? await op.error.innerText() : ''
    throw new Error(`${kind} ended ${await op.root.getAttribute('data-status')} after ${ms} ms: ${error}\nsteps: ${steps}`)
  }
  const seen = Object.values(await stopRecording())[0] ?? []
  console.log(`${kind}: ${ms} ms from Confirm to succeeded as the page saw it; progress ${seen.map((s) => `${s.percent}%${s.message ? ` (${s.message})` : ''}`).join(' → ')}`)
  expect(seen.at(-1)).toMatchObject({ percent: 100, status: 'succeeded' })
  await op.openSteps()
  for (const step of await op.steps.all()) await expect(step).toHaveAttribute('data-status', /done|skipped/)
  return { op, ms }
}

test('failover after host-kill: the primary\'s host is killed, shown down within 2 s; the plan states zero loss (synchronous); confirmed, a replica takes over and the other follows it', async ({ app }) => {
  requireLabNetns(lab, 'killing a host needs network namespaces')
  test.setTimeout(300_000) // most of it only if another spec holds the lab's hosts
  const release = await lockLabHosts('failover-lab: synchronous cluster on host1..3, kill host1, failover')
  try {
    const t0 = Date.now()
    const lap = (what: string) => console.log(`${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    for (const m of failoverMembers) await cleanHost(m)

    // --- a primary and two synchronous replicas (ANY 1), made through the CLI ---------------
    await addHosts(app, 3)
    const [f1, f2, f3] = failoverMembers as [Member, Member, Member]
    await cli(app, ['cluster', 'create', FAILOVER.id, '--member', f1.name, '--host', f1.host, '--pgdata', f1.dataDir, '--port', String(FAILOVER.port)], f1)
    for (const r of [f2, f3]) await cli(app, ['replica', 'add', FAILOVER.id, r.name, '--host', r.host, '--pgdata', r.dataDir, '--port', String(FAILOVER.port), '--sync'], r)
    expect(await psql(f1, 'SHOW synchronous_standby_names')).toMatch(/^ANY 1 \(/)
    lap('synchronous cluster of 3 made')

    const clusters = new ClustersPage(app.page)
    await clusters.shell.expectConnected()
    await expect(clusters.cluster(FAILOVER.id).memberNames).toHaveText([f1.name, f2.name, f3.name])
    const status = new StatusPanel(app.page, FAILOVER.id)
    const roles = new RoleActions(app.page, FAILOVER.id)
    await expect(status.primary).toHaveText(f1.name, { timeout: 15_000 })
    await expect(status.upCount).toHaveText('3 of 3 up')
    for (const r of [f2, f3]) await expect(status.card(r.name).getByTestId('member-card-sync')).toContainText('quorum', { timeout: 15_000 })
    await expect(roles.failoverButton).toHaveAttribute('data-urgent', 'false')

    // Writes acknowledged by the synchronous quorum: they must all be on the new primary.
    await psql(f1, 'CREATE TABLE acked (id int primary key); INSERT INTO acked SELECT generate_series(1, 100)')
    await expect(status.lastPrimary).toBeVisible({ timeout: 15_000 })
    lap('cluster shown, 100 rows acknowledged')

    // --- host1 dies: the page shows its primary down within 2 s -------------------------------
    const killedAt = Date.now()
    await kill(f1.host, lab)
    const card = status.card(f1.name)
    await expect.poll(() => card.getAttribute('data-state'), { intervals: [50], timeout: 3_500 }).toBe('down')
    const downMs = Date.now() - killedAt
    console.log(`kill ${f1.host}: the page showed the primary ${f1.name} down after ${downMs} ms`)
    expect(downMs).toBeLessThan(3_500) // 2 s is the promise; up to 3.5 s for a loaded machine
    await expect(roles.failoverButton).toHaveAttribute('data-urgent', 'true')
    await expect(roles.switchoverButton).toBeDisabled()
    await expect(status.primary).toHaveText('none')
    await app.snapshot('failover-primary-down')
    lap('primary down shown')

    // --- Failover: the plan says nothing acknowledged is lost ----------------------------------
    const dialog = await roles.openFailover()
    await expect(dialog.primaryUp).toHaveCount(0)
    await dialog.waitPlanned()
    const planned = await dialog.readAssessment()
    console.log(`failover plan ${Date.now() - killedAt} ms after the kill: ${JSON.stringify(planned)}`)
    expect(planned.from).toBe(f1.name)
    expect([f2.name, f3.name]).toContain(planned.to)
    expect(planned.lossKind).toBe('none')
    expect(planned.loss).toBe('none (synchronous)')
    expect(planned.candidates.filter((c) => c.chosen).map((c) => c.name)).toEqual([planned.to])
    const steps = await dialog.plan.read()
    console.log(`plan: ${steps.map((s) => `${s.id} (${s.hosts.join(',')}): ${s.title}`).join(' | ')}`)
    expect(steps.map((s) => s.id)).toContain('promote')
    await expect(dialog.confirmButton).toHaveText(`Fail over to ${planned.to}`)
    await dialog.assessment.scrollIntoViewIfNeeded()
    await app.snapshot('failover-plan')

    const { ms } = await confirmAndFollow(app, dialog, FAILOVER.id, 'pg-failover', 90_000)
    lap(`failover done (${ms} ms after Confirm)`)

    // --- the new topology: the promoted replica is primary, the other one follows it ----------
    const to = failoverMembers.find((m) => m.name === planned.to)!
    const other = [f2, f3].find((m) => m.name !== to.name)!
    await expect(status.primary).toHaveText(to.name, { timeout: 15_000 })
    await expect(status.node(to.name)).toHaveAttribute('data-role', 'primary')
    await expect(status.node(other.name)).toHaveAttribute('data-role', 'standby')
    await expect(status.edge(other.name)).toHaveAttribute('data-from', to.name, { timeout: 15_000 })
    await expect(status.edge(other.name)).toHaveAttribute('data-kind', 'streaming')
    await expect(status.card(other.name).getByTestId('member-card-sync')).toContainText(`streaming from ${to.name}`, { timeout: 15_000 })
    await expect(status.node(f1.name)).toHaveAttribute('data-state', 'down')
    // the dead primary is fenced (it never comes back as a primary) and offered a rejoin
    await expect(roles.fencedBadge(f1.name)).toBeVisible()
    await expect(roles.fencedRowBadge(f1.name)).toBeVisible()
    await expect(roles.rejoinOffer(f1.name)).toHaveAttribute('data-reason', 'fenced')
    await expect(roles.failoverButton).toHaveAttribute('data-urgent', 'false')
    await expect(status.splitBrain).toHaveCount(0)
    await status.topology.scrollIntoViewIfNeeded()
    await app.snapshot('failover-topology')
    console.log(`kill to new topology shown: ${Date.now() - killedAt} ms`)

    // The servers agree, and every acknowledged write is on the new primary.
    expect(await psql(to, 'SELECT pg_is_in_recovery()')).toBe('f')
    expect(await psql(other, 'SELECT pg_is_in_recovery()')).toBe('t')
    expect(await psql(to, 'SELECT count(*) FROM acked')).toBe('100')
    expect(await psql(to, "SELECT string_agg(application_name || '=' || state, ',') FROM pg_stat_replication")).toBe(`${other.name}=streaming`)
  } finally {
    // The next holder of the hosts finds the killed host booted again (its PostgreSQL stays down).
    await resetHost(failoverMembers[0]!.host, lab)
    release()
  }
})

test('split brain: the banner fences the old primary; Rejoin brings it back as a replica (rebuild asks once more)', async ({ app }) => {
  test.setTimeout(300_000)
  const release = await lockLabHosts('failover-lab: split brain on host1 and host2, fence, rejoin')
  try {
    const t0 = Date.now()
    const lap = (what: string) => console.log(`${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    for (const m of fenceMembers) await cleanHost(m)
    await addHosts(app, 2)
    const [p1, p2] = fenceMembers as [Member, Member]
    await cli(app, ['cluster', 'create', FENCE.id, '--member', p1.name, '--host', p1.host, '--pgdata', p1.dataDir, '--port', String(FENCE.port)], p1)
    await cli(app, ['replica', 'add', FENCE.id, p2.name, '--host', p2.host, '--pgdata', p2.dataDir, '--port', String(FENCE.port)], p2)
    lap('cluster of 2 made')

    const clusters = new ClustersPage(app.page)
    await clusters.shell.expectConnected()
    const status = new StatusPanel(app.page, FENCE.id)
    const roles = new RoleActions(app.page, FENCE.id)
    await expect(status.primary).toHaveText(p1.name, { timeout: 15_000 })
    await expect(status.edge(p2.name)).toHaveAttribute('data-kind', 'streaming', { timeout: 10_000 })

    // --- two primaries: p2 promoted behind ReplicaDesk's back, and p1 keeps writing ------------
    await execOk(p2.host, [`${lab.pgBin}/pg_ctl`, '-D', p2.dataDir, '-w', 'promote'], { user: 'postgres', timeoutMs: 60_000 })
    await expect(status.splitBrain).toBeVisible({ timeout: 10_000 })
    await psql(p1, 'CREATE TABLE only_on_p1 (id int); INSERT INTO only_on_p1 VALUES (1)')
    await expect(roles.splitBrainFence).toHaveCount(2)
    await expect(roles.switchoverButton).toBeDisabled()
    await expect(roles.failoverButton).toBeDisabled()

    // --- Fence p1 from the banner -------------------------------------------------------------
    const fence = await roles.openFence(p1.name)
    await fence.waitPlanned()
    await expect(fence.confirmButton).toHaveText(`Fence ${p1.name}`)
    await expect(fence.plan.steps).not.toHaveCount(0)
    await app.snapshot('fence-plan')
    await confirmAndFollow(app, fence, FENCE.id, 'pg-fence', 60_000)
    await expect(status.splitBrain).toHaveCount(0, { timeout: 15_000 })
    await expect(status.primary).toHaveText(p2.name, { timeout: 15_000 })
    await expect(status.card(p1.name)).toHaveAttribute('data-state', 'down', { timeout: 15_000 })
    await expect(roles.fencedBadge(p1.name)).toBeVisible()
    await expect(roles.fencedRowBadge(p1.name)).toBeVisible()
    await expect(roles.rejoinOffer(p1.name)).toHaveAttribute('data-reason', 'fenced')
    expect((await exec(p1.host, [`${lab.pgBin}/pg_ctl`, '-D', p1.dataDir, 'status'], { user: 'postgres' })).code).not.toBe(0)
    await status.root.scrollIntoViewIfNeeded()
    await app.snapshot('fence-done')
    lap('p1 fenced')

    // --- Rejoin p1 from its card: rebuild asks once more (declined here), rewind runs ---------
    const rejoin = await roles.openRejoin(p1.name)
    await rejoin.waitPlanned()
    await expect(rejoin.confirmButton).toHaveText(`Rejoin ${p1.name}`)
    await rejoin.rebuild.click()
    await expect(rejoin.rebuildWarning).toContainText(p1.dataDir)
    await expect(rejoin.confirmButton).toHaveText(`Rebuild ${p1.name}`)
    await rejoin.waitPlanned()
    await rejoin.confirmButton.click()
    const again = app.page.getByRole('dialog', { name: `Rebuild ${p1.name}?` })
    await expect(again).toContainText(p1.dataDir)
    await app.snapshot('rejoin-rebuild-confirm')
    await again.getByRole('button', { name: 'Keep it' }).click()
    await expect(again).toBeHidden()
    await expect(rejoin.root).toBeVisible() // declined: nothing started
    await expect(app.page.locator(`[data-testid="cluster"][data-cluster="${FENCE.id}"] [data-testid="operation"][data-kind="pg-rejoin"]`)).toHaveCount(0)
    await rejoin.rebuild.click()
    await expect(rejoin.confirmButton).toHaveText(`Rejoin ${p1.name}`)
    await rejoin.waitPlanned()
    await app.snapshot('rejoin-plan')
    await confirmAndFollow(app, rejoin, FENCE.id, 'pg-rejoin', 120_000)
    lap('p1 rejoined')

    await expect(status.node(p1.name)).toHaveAttribute('data-role', 'standby', { timeout: 15_000 })
    await expect(status.edge(p1.name)).toHaveAttribute('data-from', p2.name, { timeout: 15_000 })
    await expect(status.edge(p1.name)).toHaveAttribute('data-kind', 'streaming')
    await expect(roles.fencedBadge(p1.name)).toHaveCount(0)
    await expect(roles.fencedRowBadge(p1.name)).toHaveCount(0)
    await expect(roles.rejoinOffer(p1.name)).toHaveCount(0)
    await status.topology.scrollIntoViewIfNeeded()
    await app.snapshot('rejoin-done')
    expect(await psql(p1, 'SELECT pg_is_in_recovery()')).toBe('t')
    expect(await psql(p2, "SELECT string_agg(application_name || '=' || state, ',') FROM pg_stat_replication")).toBe(`${p1.name}=streaming`)
  } finally {
    release()
  }
})
