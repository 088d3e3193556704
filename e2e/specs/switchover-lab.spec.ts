// Switchover in the browser against the test lab's real sshd and PostgreSQL 15: a primary on
// host1 and streaming replicas on host2 and host3 (made through the CLI, which asks the running
// instance). Failover, while the primary is up, is offered with a loud warning (cancelled here).
// Switchover on the cluster card opens the plan at once (a dry run): who hands over
// to whom, no data lost, every step with its commands; picking a member plans again for it;
// Confirm starts it, the operations panel on the card follows its steps to the end, and the
// topology shows the new primary with the two others (the old primary too) streaming from it.
import type { Locator } from '@playwright/test'
import { execOk, type Lab, type LabHost } from '../lab'
import { expect, test } from '../fixtures/app'
import { labHosts, requireLab } from '../fixtures/lab'
import { lockLabHosts } from '../fixtures/labLock'
import { cleanLabMember, cliOk } from '../fixtures/labMembers'
import { ClustersPage } from '../pages/ClustersPage'
import { OperationCard } from '../pages/OperationsPage'
import { RoleActions } from '../pages/RoleChangeDialog'
import { StatusPanel } from '../pages/StatusPanel'

// The specs share the lab's hosts: one after another, in one worker.
test.describe.configure({ mode: 'default' })

let lab: Lab
const CLUSTER = 'swo'
// Its own port and data dirs: nothing another spec runs on the same hosts is touched.
const PORT = 5446
const members = [
  { name: 's1', host: 'host1', dataDir: '/var/lib/postgresql/15/swo1' },
  { name: 's2', host: 'host2', dataDir: '/var/lib/postgresql/15/swo2' },
  { name: 's3', host: 'host3', dataDir: '/var/lib/postgresql/15/swo3' },
] as const
type Member = (typeof members)[number]

const cleanHost = (m: Member) => cleanLabMember(lab, m)

test.beforeAll(() => {
  lab = requireLab()
})

test.afterAll(async () => {
  if (!lab) return
  const release = await lockLabHosts('switchover-lab: clean up')
  try {
    for (const m of members) await cleanHost(m)
  } finally {
    release()
  }
})

const cli = cliOk

const psql = (m: Member, sql: string) =>
  execOk(m.host, [`${lab.pgBin}/psql`, '-X', '-At', '-h', '/var/run/postgresql', '-p', String(PORT), '-d', 'postgres', '-c', sql], { user: 'postgres' }).then((s) => s.trim())

test('switchover: the plan says who takes over and that nothing is lost; confirmed, the steps run and the topology turns round', async ({ app }) => {
  test.setTimeout(300_000) // most of it only if another spec holds the lab's hosts
  const release = await lockLabHosts('switchover-lab: cluster on host1..3, switchover')
  try {
    const t0 = Date.now()
    const lap = (what: string) => console.log(`${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    for (const m of members) await cleanHost(m)

    // --- a primary and two replicas, made by another client (the CLI asks this instance) ----
    for (const h of labHosts(lab, 3) as LabHost[]) {
      await cli(app, ['host', 'add', h.name, '--address', h.address, '--port', String(h.port), '--user', lab.users.postgres, '--identity-file', lab.clientKeyPath])
      await cli(app, ['host', 'trust', h.name, h.hostKeyFingerprint])
    }
    const [s1, s2, s3] = members
    await cli(app, ['cluster', 'create', CLUSTER, '--member', s1.name, '--host', s1.host, '--pgdata', s1.dataDir, '--port', String(PORT)], s1)
    for (const r of [s2, s3]) await cli(app, ['replica', 'add', CLUSTER, r.name, '--host', r.host, '--pgdata', r.dataDir, '--port', String(PORT)], r)
    await psql(s1, 'CREATE TABLE IF NOT EXISTS before_switchover (id int); INSERT INTO before_switchover VALUES (1), (2), (3)')
    lap('cluster of 3 made')

    // --- the cluster as the page shows it: s1 primary, s2 and s3 streaming from it ------------
    const clusters = new ClustersPage(app.page)
    await clusters.shell.expectConnected()
    await expect(clusters.cluster(CLUSTER).memberNames).toHaveText([s1.name, s2.name, s3.name])
    const status = new StatusPanel(app.page, CLUSTER)
    await expect(status.primary).toHaveText(s1.name, { timeout: 15_000 })
    await expect(status.upCount).toHaveText('3 of 3 up')
    for (const r of [s2, s3]) {
      await expect(status.edge(r.name)).toHaveAttribute('data-from', s1.name, { timeout: 10_000 })
      await expect(status.edge(r.name)).toHaveAttribute('data-kind', 'streaming')
    }
    const roles = new RoleActions(app.page, CLUSTER)
    await expect(roles.failoverButton).toHaveAttribute('data-urgent', 'false')
    for (const m of members) await expect(roles.rejoinOffer(m.name)).toHaveCount(0) // all stream: nothing to rejoin

    // --- Failover while the primary is up: offered, with a loud warning; cancelled ------------
    const failover = await roles.openFailover()
    await expect(failover.primaryUp).toBeVisible()
    await expect(failover.primaryUp).toHaveAttribute('data-member', s1.name)
    await failover.waitPlanned()
    const risky = await failover.readAssessment()
    console.log(`failover plan with the primary up: ${JSON.stringify(risky)}`)
    expect(risky.from).toBe(s1.name)
    expect(risky.warnings.join(' ')).toContain(`${s1.name} is up and accepts writes`)
    await failover.assessment.scrollIntoViewIfNeeded()
    await app.snapshot('failover-primary-up')
    await failover.cancelButton.click()
    await expect(failover.root).toBeHidden()
    expect(await psql(s1, 'SELECT pg_is_in_recovery()')).toBe('f')
    await expect(app.page.locator(`[data-testid="cluster"][data-cluster="${CLUSTER}"] [data-testid="operation"][data-kind="pg-failover"]`)).toHaveCount(0)

    // --- Switchover: the plan for the best candidate, then for s3 ------------------------------
    const dialog = await roles.openSwitchover()
    await dialog.waitPlanned()
    const best = await dialog.readAssessment()
    console.log(`best candidate plan: ${JSON.stringify(best)}`)
    expect(best.from).toBe(s1.name)
    expect([s2.name, s3.name]).toContain(best.to)
    expect(best.lossKind).toBe('none')
    expect(best.loss).toMatch(/^none/)
    expect(best.candidates.filter((c) => c.chosen).map((c) => c.name)).toEqual([best.to])
    await expect(dialog.confirmButton).toHaveText(`Switch over to ${best.to}`)
    // The automatic pick says why, ties included (two alike replicas: the member order decides, and it says so).
    await expect(dialog.reason).toHaveText(new RegExp(`^Why ${best.to}: .+`))
    console.log(`why: ${await dialog.reason.innerText()}`)

    await dialog.pickTarget(s3.name)
    const planned = await dialog.readAssessment()
    expect(planned).toMatchObject({ from: s1.name, to: s3.name, lossKind: 'none' })
    await expect(dialog.reason).toHaveText(`Why ${s3.name}: you chose ${s3.name}.`)
    // The plan opens with plain sentences, before the judgement and the steps; the commands are folded.
    const summary = await dialog.plan.readSummary()
    console.log(`summary: ${summary.join(' | ')}`)
    expect(summary[0]).toContain(`${s3.name} on ${s3.host} becomes the primary; ${s1.name} stops and restarts as its standby`)
    expect(summary.join(' ')).toMatch(/Writes pause for about \d\.\d s/)
    const above = async (a: Locator, b: Locator) => ((await a.boundingBox())?.y ?? Infinity) < ((await b.boundingBox())?.y ?? -Infinity)
    expect(await above(dialog.plan.summary, dialog.assessment)).toBe(true)
    expect(await above(dialog.assessment, dialog.plan.steps.first())).toBe(true)
    await expect(dialog.plan.commandsToggle).toHaveAttribute('aria-expanded', 'false')
    await expect(dialog.plan.commandsToggle).toHaveText(/^Show the commands \(\d+\)$/)
    await expect(dialog.plan.commands).toHaveCount(0)
    await expect(dialog.plan.steps.first()).toBeVisible()
    const steps = await dialog.plan.read()
    await expect(dialog.plan.commands.first()).toBeVisible()
    console.log(`plan: ${steps.map((s) => `${s.id} (${s.hosts.join(',')}): ${s.title}`).join(' | ')}`)
    expect(steps.length).toBeGreaterThan(3)
    for (const id of ['stop', 'promote']) expect(steps.map((s) => s.id)).toContain(id)
    const commands = steps.flatMap((s) => s.commands).join('\n')
    expect(commands).toContain(s1.dataDir)
    expect(commands).not.toMatch(/PASSWORD\s+'(?!\*)/i)
    await expect(dialog.confirmButton).toHaveText(`Switch over to ${s3.name}`)
    await dialog.assessment.scrollIntoViewIfNeeded()
    await app.snapshot('switchover-plan')
    lap('switchover planned')

    // Nothing ran: s1 is still the primary.
    expect(await psql(s1, 'SELECT pg_is_in_recovery()')).toBe('f')

    // --- Confirm: the steps run on the card's operations panel --------------------------------
    const selector = `[data-testid="cluster"][data-cluster="${CLUSTER}"] [data-testid="operation"][data-kind="pg-switchover"]`
    const stopRecording = await OperationCard.recordProgress(app.page, selector)
    const confirmedAt = Date.now()
    await dialog.confirm()
    const op = new OperationCard(app.page.locator(selector).first())
    await expect(op.root).toBeVisible()
    await expect(op.stepsToggle).toHaveAttribute('aria-expanded', 'true') // a running operation shows its steps
    if ((await op.root.getAttribute('data-status')) === 'running') await app.snapshot('switchover-progress')
    await op.expectEnded('succeeded', 120_000)
    console.log(`switchover: confirmed to succeeded in ${Date.now() - confirmedAt} ms as the page saw it`)
    const seen = Object.values(await stopRecording())[0] ?? []
    console.log(`progress seen: ${seen.map((s) => `${s.percent}% ${s.status}${s.message ? ` (${s.message})` : ''}`).join(' → ')}`)
    expect(seen.at(-1)).toMatchObject({ percent: 100, status: 'succeeded' })
    await op.openSteps()
    await expect(op.steps).toHaveCount(steps.length)
    for (const step of await op.steps.all()) await expect(step).toHaveAttribute('data-status', /done|skipped/)
    lap('switchover done')

    // --- the new topology: s3 primary, s1 and s2 streaming from it ---------------------------
    await expect(status.primary).toHaveText(s3.name, { timeout: 15_000 })
    await expect(status.node(s3.name)).toHaveAttribute('data-role', 'primary')
    for (const r of [s1, s2]) {
      await expect(status.node(r.name)).toHaveAttribute('data-role', 'standby', { timeout: 15_000 })
      await expect(status.edge(r.name)).toHaveAttribute('data-from', s3.name, { timeout: 15_000 })
      await expect(status.edge(r.name)).toHaveAttribute('data-kind', 'streaming')
      await expect(status.card(r.name).getByTestId('member-card-sync')).toContainText(`streaming from ${s3.name}`, { timeout: 15_000 })
    }
    await expect(status.edge(s3.name)).toHaveCount(0)
    await expect(status.upCount).toHaveText('3 of 3 up')
    await expect(status.splitBrain).toHaveCount(0)
    for (const m of members) await expect(roles.rejoinOffer(m.name)).toHaveCount(0)
    await status.topology.scrollIntoViewIfNeeded()
    await app.snapshot('switchover-topology')
    lap('new topology shown')

    // The servers agree, and nothing written before was lost.
    expect(await psql(s3, 'SELECT pg_is_in_recovery()')).toBe('f')
    for (const r of [s1, s2]) expect(await psql(r, 'SELECT pg_is_in_recovery()')).toBe('t')
    expect(await psql(s3, 'SELECT count(*) FROM before_switchover')).toBe('3')
    expect(await psql(s3, "SELECT string_agg(application_name || '=' || state, ',' ORDER BY application_name) FROM pg_stat_replication")).toBe(
      `${s1.name}=streaming,${s2.name}=streaming`,
    )
  } finally {
    release()
  }
})
