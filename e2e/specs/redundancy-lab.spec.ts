// Redundancy settings and the health verdict in the browser against the test lab's real sshd
// and PostgreSQL 15: a primary on host1 and two synchronous replicas (ANY 1) on host2 and host3,
// made through the CLI (which asks the running instance).
//  - The verdict at the top of the card says healthy and that the cluster survives one member
//    failure without losing a write. host3's PostgreSQL stopped: it turns degraded on its own (no
//    reload, no click), naming the member down and writes as a single point of failure; started
//    again: healthy again.
//  - The Redundancy panel (from the ⋯ menu, and from the synchronous label): FIRST 2 planned with
//    host3 down says writes will wait, and Apply needs the second confirmation; backed out of,
//    host3 started, planned again (nothing blocks now), applied: every server has its own list,
//    read back with psql. Then back to ANY 1 the same way.
//  - The replicas wanted: a primary and one asynchronous replica; the panel raised to 2 plans
//    the add on host3 (the failure domain no member uses), Apply shows each add with the
//    operation's progress until it is done; the new member streams.
import { exec, execOk, type Lab, type LabHost } from '../lab'
import { expect, test, type AppUnderTest } from '../fixtures/app'
import { labHosts, requireLab } from '../fixtures/lab'
import { lockLabHosts } from '../fixtures/labLock'
import { cleanLabMember, cliOk } from '../fixtures/labMembers'
import { ClustersPage } from '../pages/ClustersPage'
import { OperationCard } from '../pages/OperationsPage'
import { ReplicaCountProgressPanel, type RedundancyPanel } from '../pages/RedundancyPanel'
import { StatusPanel } from '../pages/StatusPanel'

// The specs share the lab's hosts: one after another, in one worker.
test.describe.configure({ mode: 'default' })

let lab: Lab
const CLUSTER = 'rdn'
// Its own port and data dirs: nothing another spec runs on the same hosts is touched (5447 is
// the failover spec's, whose cluster stays until its file's afterAll).
const PORT = 5451
const members = [1, 2, 3].map((i) => ({ name: `rdn${i}`, host: `host${i}`, dataDir: `/var/lib/postgresql/15/rdn${i}` }))
type Member = (typeof members)[number]
const [r1, r2, r3] = members as [Member, Member, Member]

test.beforeAll(() => {
  lab = requireLab()
})

test.afterAll(async () => {
  if (!lab) return
  const release = await lockLabHosts('redundancy-lab: clean up')
  try {
    for (const m of members) await cleanLabMember(lab, m)
  } finally {
    release()
  }
})

const psql = (m: Member, sql: string) =>
  execOk(m.host, [`${lab.pgBin}/psql`, '-X', '-At', '-h', '/var/run/postgresql', '-p', String(PORT), '-d', 'postgres', '-c', sql], { user: 'postgres' }).then((s) => s.trim())

const pgCtl = (m: Member, ...args: string[]) =>
  execOk(m.host, [`${lab.pgBin}/pg_ctl`, '-D', m.dataDir, '-l', `/var/log/postgresql/replicadesk-${m.name}.log`, '-w', ...args], { user: 'postgres', timeoutMs: 60_000 })

/** Applies what the panel planned and follows the settings operation on the card to its end. */
async function applyAndFollow(app: AppUnderTest, panel: RedundancyPanel): Promise<number> {
  const selector = `[data-testid="cluster"][data-cluster="${CLUSTER}"] [data-testid="operation"][data-kind="pg-settings"]`
  const before = await app.page.locator(selector).evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))
  const stopRecording = await OperationCard.recordProgress(app.page, selector)
  const started = Date.now()
  await panel.apply()
  // The card shows the newest operation first; wait for the one this Apply started.
  const op = new OperationCard(app.page.locator(selector).first())
  await expect(op.root).toBeVisible({ timeout: 15_000 })
  await expect.poll(async () => before.includes(await op.root.getAttribute('data-id')), { timeout: 15_000 }).toBe(false)
  await expect(op.root).toHaveAttribute('data-status', /succeeded|failed|interrupted|abandoned/, { timeout: 60_000 })
  const ms = Date.now() - started
  if ((await op.root.getAttribute('data-status')) !== 'succeeded') {
    await op.openSteps()
    const steps = (await op.steps.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ')).join(' | ')
    const error = (await op.error.count()) ? await op.error.innerText() : ''
    throw new Error(`pg-settings ended ${await op.root.getAttribute('data-status')} after ${ms} ms: ${error}\nsteps: ${steps}`)
  }
  const seen = Object.values(await stopRecording()).at(-1) ?? []
  console.log(`pg-settings: ${ms} ms from Apply to succeeded as the page saw it; progress ${seen.map((s) => `${s.percent}%${s.message ? ` (${s.message})` : ''}`).join(' → ')}`)
  await op.openSteps()
  for (const step of await op.steps.all()) await expect(step).toHaveAttribute('data-status', /done|skipped/)
  return ms
}

test('the health verdict follows a replica stopped and started; the Redundancy panel plans FIRST 2 (writes wait: a second confirmation), applies it on every server, and goes back to ANY 1', async ({ app }) => {
  test.setTimeout(240_000) // most of it only if another spec holds the lab's hosts
  const release = await lockLabHosts('redundancy-lab: synchronous cluster on host1..3, a replica stopped, settings')
  let r3Stopped = false
  try {
    const t0 = Date.now()
    const lap = (what: string) => console.log(`${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    for (const m of members) await cleanLabMember(lab, m)

    // --- a primary and two synchronous replicas (ANY 1 of 2), made through the CLI ------------
    for (const h of labHosts(lab, 3) as LabHost[]) {
      await cliOk(app, ['host', 'add', h.name, '--address', h.address, '--port', String(h.port), '--user', lab.users.postgres, '--identity-file', lab.clientKeyPath])
      await cliOk(app, ['host', 'trust', h.name, h.hostKeyFingerprint])
    }
    await cliOk(app, ['cluster', 'create', CLUSTER, '--member', r1.name, '--host', r1.host, '--pgdata', r1.dataDir, '--port', String(PORT)], r1)
    for (const r of [r2, r3]) await cliOk(app, ['replica', 'add', CLUSTER, r.name, '--host', r.host, '--pgdata', r.dataDir, '--port', String(PORT), '--sync'], r)
    expect(await psql(r1, 'SHOW synchronous_standby_names')).toBe(`ANY 1 ("${r2.name}", "${r3.name}")`)
    lap('synchronous cluster of 3 made')

    const clusters = new ClustersPage(app.page)
    await clusters.shell.expectConnected()
    const card = clusters.cluster(CLUSTER)
    await expect(card.memberNames).toHaveText([r1.name, r2.name, r3.name])
    await expect(card.syncLabel).toHaveText('ANY 1 of 2 synchronous')
    const status = new StatusPanel(app.page, CLUSTER)
    await expect(status.primary).toHaveText(r1.name, { timeout: 15_000 })
    for (const r of [r2, r3]) await expect(status.edge(r.name)).toHaveAttribute('data-kind', 'streaming', { timeout: 15_000 })

    // --- the verdict: healthy, survives one failure; r3 stopped: degraded on its own ------------
    const health = card.health
    await expect(health.root).toHaveAttribute('data-state', 'healthy', { timeout: 15_000 })
    await expect(health.state).toHaveText('healthy')
    await expect(health.noLoss).toHaveText('survives 1 member failure without losing a write')
    await expect(health.writes).toContainText('1 member failure and keeps writing')
    await expect(health.finding('no-backup')).toBeVisible()
    console.log(`verdict with all up: ${await health.summary()}`)
    await health.root.scrollIntoViewIfNeeded()
    await app.snapshot('health-healthy')

    const stoppedAt = Date.now()
    await pgCtl(r3, '-m', 'fast', 'stop')
    r3Stopped = true
    await expect(health.root).toHaveAttribute('data-state', 'degraded', { timeout: 10_000 })
    console.log(`${r3.name} stopped: the verdict showed degraded after ${Date.now() - stoppedAt} ms`)
    await expect(health.state).toHaveText('degraded')
    await expect(health.finding(`down:${r3.name}`)).toBeVisible({ timeout: 10_000 })
    await expect(health.finding('writes-spof')).toBeVisible({ timeout: 10_000 })
    await expect(health.finding(`down:${r3.name}`)).toContainText(`Down: ${r3.name} on ${r3.host}: PostgreSQL is not running`)
    await expect(health.writes).toContainText('0 member failures and keeps writing')
    console.log(`verdict with ${r3.name} down: ${await health.summary()}`)
    await app.snapshot('health-degraded')
    lap('verdict degraded')

    // --- the panel from the ⋯ menu: the form shows the record's settings; cancelled -----------
    const fromMenu = await card.openRedundancy('menu')
    await expect(fromMenu.root).toContainText(`Redundancy of ${CLUSTER}`)
    await expect(fromMenu.modeOption('ANY')).toHaveClass(/is-active/)
    await expect(fromMenu.kInput).toHaveValue('1')
    await expect(fromMenu.members).toHaveCount(3)
    await fromMenu.cancel()

    // --- from the synchronous label: FIRST 2 with r3 down blocks writes: a second confirmation --
    const panel = await card.openRedundancy('label')
    await panel.chooseMode('FIRST')
    await panel.setK(2)
    await panel.showPlan()
    const changes = await panel.readChanges()
    console.log(`plan with ${r3.name} down: ${JSON.stringify(changes)}; warnings ${JSON.stringify(await panel.readWarnings())}`)
    expect(changes.map((c) => c.line)).toEqual([`replication mode: ANY 1 of 2 (${r2.name}, ${r3.name}) → FIRST 2 of 2 (${r2.name}, ${r3.name})`])
    expect(changes[0]!.meaning).toContain('writes wait while fewer than 2 stream')
    expect((await panel.readWarnings()).join(' ')).toContain('FIRST 2 names every synchronous replica')
    await expect(panel.blocks).toBeVisible()
    await expect(panel.blocks).toContainText('Writes will wait')
    await expect(panel.blocks).toContainText(`Every write on ${r1.name} waits`)
    await expect(panel.applyButton).toBeDisabled()
    await panel.blocks.scrollIntoViewIfNeeded()
    await app.snapshot('redundancy-blocks-writes')
    await panel.blockWrites.click()
    await expect(panel.blockWrites).toHaveClass(/is-checked/)
    await expect(panel.applyButton).toBeEnabled()
    await panel.blockWrites.click() // unticked: disabled again
    await expect(panel.applyButton).toBeDisabled()
    await panel.blockWrites.click()
    await expect(panel.applyButton).toBeEnabled()
    // Not applied: back to the form, which keeps the choice.
    await panel.back()
    await expect(panel.modeOption('FIRST')).toHaveClass(/is-active/)
    await expect(panel.kInput).toHaveValue('2')
    // Planned again: the confirmation given for the last plan does not carry over.
    await panel.showPlan()
    await expect(panel.blocks).toBeVisible()
    await expect(panel.blockWrites).not.toHaveClass(/is-checked/)
    await expect(panel.applyButton).toBeDisabled()
    await panel.back()
    // Nothing ran.
    expect(await psql(r1, 'SHOW synchronous_standby_names')).toBe(`ANY 1 ("${r2.name}", "${r3.name}")`)
    await expect(card.root.locator('[data-testid="operation"][data-kind="pg-settings"]')).toHaveCount(0)
    lap('FIRST 2 planned with writes blocked, backed out')

    // --- r3 started: the verdict is healthy again, by itself ----------------------------------
    const startedAt = Date.now()
    await pgCtl(r3, 'start')
    r3Stopped = false
    await expect(health.root).toHaveAttribute('data-state', 'healthy', { timeout: 15_000 })
    console.log(`${r3.name} started: the verdict showed healthy after ${Date.now() - startedAt} ms`)
    await expect(health.finding(`down:${r3.name}`)).toHaveCount(0)
    await expect(health.finding('writes-spof')).toHaveCount(0)
    await expect(health.noLoss).toHaveText('survives 1 member failure without losing a write')
    await expect(status.edge(r3.name)).toHaveAttribute('data-kind', 'streaming', { timeout: 15_000 })
    lap('verdict healthy again')

    // --- planned again: nothing blocks now; applied, read back on every server ----------------
    await panel.showPlan()
    expect((await panel.readChanges()).map((c) => c.line)).toEqual([`replication mode: ANY 1 of 2 (${r2.name}, ${r3.name}) → FIRST 2 of 2 (${r2.name}, ${r3.name})`])
    await expect(panel.blocks).toHaveCount(0)
    await expect(panel.applyButton).toBeEnabled()
    await app.snapshot('redundancy-plan')
    await applyAndFollow(app, panel)
    expect(await psql(r1, 'SHOW synchronous_standby_names')).toBe(`FIRST 2 ("${r2.name}", "${r3.name}")`)
    expect(await psql(r2, 'SHOW synchronous_standby_names')).toBe(`FIRST 1 ("${r3.name}")`)
    expect(await psql(r3, 'SHOW synchronous_standby_names')).toBe(`FIRST 1 ("${r2.name}")`)
    await psql(r1, 'CREATE TABLE IF NOT EXISTS rdn_written (id int); INSERT INTO rdn_written VALUES (1)') // both stream: writes go on
    await expect(card.syncLabel).toHaveText('FIRST 2 of 2 synchronous')
    // FIRST 2 of 2: one more failure stops writes, and the verdict says so.
    await expect(health.finding('writes-spof')).toBeVisible({ timeout: 10_000 })
    await expect(health.writes).toContainText('0 member failures and keeps writing')
    console.log(`verdict with FIRST 2: ${await health.summary()}`)
    lap('FIRST 2 applied and verified')

    // --- back to ANY 1 through the panel --------------------------------------------------------
    const again = await card.openRedundancy('label')
    await expect(again.modeOption('FIRST')).toHaveClass(/is-active/)
    await again.chooseMode('ANY')
    await again.setK(1)
    await again.showPlan()
    expect((await again.readChanges()).map((c) => c.line)).toEqual([`replication mode: FIRST 2 of 2 (${r2.name}, ${r3.name}) → ANY 1 of 2 (${r2.name}, ${r3.name})`])
    await expect(again.blocks).toHaveCount(0)
    await applyAndFollow(app, again)
    expect(await psql(r1, 'SHOW synchronous_standby_names')).toBe(`ANY 1 ("${r2.name}", "${r3.name}")`)
    expect(await psql(r2, 'SHOW synchronous_standby_names')).toBe(`ANY 1 ("${r3.name}")`)
    expect(await psql(r3, 'SHOW synchronous_standby_names')).toBe(`ANY 1 ("${r2.name}")`)
    await expect(card.syncLabel).toHaveText('ANY 1 of 2 synchronous')
    await expect(health.root).toHaveAttribute('data-state', 'healthy', { timeout: 10_000 })
    await expect(health.writes).toContainText('1 member failure and keeps writing')
    lap('back to ANY 1')
  } finally {
    // Never leave the primary waiting for a replica that is not there.
    if (r3Stopped) await exec(r3.host, [`${lab.pgBin}/pg_ctl`, '-D', r3.dataDir, '-l', `/var/log/postgresql/replicadesk-${r3.name}.log`, '-w', 'start'], { user: 'postgres', timeoutMs: 60_000 })
    // Cleaned before the lock goes: a spec that expects bare hosts may take it next.
    for (const m of members) await cleanLabMember(lab, m).catch(() => undefined)
    release()
  }
})

test('the replicas wanted raised from 1 to 2: the panel plans the add on the host of another failure domain, shows its progress, and the new member streams', async ({ app }) => {
  test.setTimeout(240_000)
  const release = await lockLabHosts('redundancy-lab: replicas wanted 1 → 2 on host1..3')
  try {
    for (const m of members) await cleanLabMember(lab, m)
    for (const h of labHosts(lab, 3) as LabHost[]) {
      await cliOk(app, ['host', 'add', h.name, '--address', h.address, '--port', String(h.port), '--user', lab.users.postgres, '--identity-file', lab.clientKeyPath])
      await cliOk(app, ['host', 'trust', h.name, h.hostKeyFingerprint])
    }
    for (const [h, d] of [['host1', 'shelf'], ['host2', 'shelf'], ['host3', 'attic']] as const) await cliOk(app, ['host', 'edit', h, '--failure-domain', d])
    await cliOk(app, ['cluster', 'create', CLUSTER, '--member', r1.name, '--host', r1.host, '--pgdata', r1.dataDir, '--port', String(PORT)], r1)
    await cliOk(app, ['replica', 'add', CLUSTER, r2.name, '--host', r2.host, '--pgdata', r2.dataDir, '--port', String(PORT)], r2)

    const card = new ClustersPage(app.page).cluster(CLUSTER)
    await expect(card.memberNames).toHaveText([r1.name, r2.name])
    const panel = await card.openRedundancy('menu')
    await expect(panel.desiredInput).toHaveValue('1')
    await panel.setDesired(2)
    await panel.showPlan()
    expect(await panel.readReplicas()).toEqual([`add ${r3.name} on ${r3.host}`])
    await expect(panel.replicas.first()).toContainText(`${r3.dataDir}, port ${PORT}`)
    await expect(panel.replicas.first()).toContainText('failure domain "attic", where no member runs')
    await app.snapshot('redundancy-replicas-plan')
    const started = Date.now()
    await panel.apply()

    const progress = new ReplicaCountProgressPanel(app.page)
    await expect(progress.root).toBeVisible()
    await expect(progress.action(r3.name)).toContainText(`Add ${r3.name} on ${r3.host}`)
    const percents = await progress.waitDone()
    console.log(`replicas 1 → 2: ${Date.now() - started} ms from Apply to done; percents seen ${percents.join(' → ')}`)
    await expect(progress.action(r3.name)).toHaveAttribute('data-state', 'done')
    await expect(progress.progress).toHaveAttribute('data-percent', '100')
    await app.snapshot('redundancy-replicas-done')
    await progress.close()

    await expect(card.memberNames).toHaveText([r1.name, r2.name, r3.name])
    const status = new StatusPanel(app.page, CLUSTER)
    await expect(status.edge(r3.name)).toHaveAttribute('data-kind', 'streaming', { timeout: 15_000 })
    expect(await psql(r3, 'SELECT pg_is_in_recovery()')).toBe('t')
  } finally {
    for (const m of members) await cleanLabMember(lab, m).catch(() => undefined)
    release()
  }
})
