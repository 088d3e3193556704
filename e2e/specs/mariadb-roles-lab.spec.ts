// MariaDB role changes in the browser, through the same buttons and dialog as PostgreSQL's, against
// the test lab's real sshd and MariaDB 10.11 (issue 24). A plain, asynchronous cluster of three
// (db1 on host1, replicas db2 and db3; made through the CLI, which asks the running instance, as
// the PostgreSQL role specs do; a few rows only):
//  1. Switchover from the card: the plan says who hands over to whom, GTIDs and transactions behind
//     in place of WAL, and that nothing is lost; confirmed, the new primary shows on the card
//     (read_only OFF) and the two others replicate from it.
//  2. kill -9 of the new primary's mariadbd on its host: the card shows it down and Failover turns
//     urgent; the plan states the loss in transactions and seconds; confirmed, another member is
//     the primary, the killed one is marked fenced and offered a rejoin.
//     A row only the killed primary has (the others' IO threads stopped first) makes the loss real:
//     "at least 1 transaction + up to N s of writes".
//  3. Rejoin of the killed member from its card: refused with that row's GTID (errant); Rebuild,
//     confirmed twice, copies it afresh and it follows the new primary again, unfenced.
//  4. Split brain: a replica made writable behind ReplicaDesk's back (read_only OFF) raises the
//     banner, Switchover and Failover are refused; Fence in the banner stops that member (its
//     server down, marked fenced, offered a rejoin) and the banner goes; Rejoin brings it back.
import { exec, type Lab } from '../lab'
import { expect, test } from '../fixtures/app'
import { labHosts, requireLab } from '../fixtures/lab'
import { lockLabHosts } from '../fixtures/labLock'
import { cliOk } from '../fixtures/labMembers'
import { ClustersPage } from '../pages/ClustersPage'
import { MariaDbClusterCard } from '../pages/MariaDbCluster'
import { OperationCard } from '../pages/OperationsPage'
import type { RoleChangeDialog } from '../pages/RoleChangeDialog'
import { addTrustedHosts, cleanSpecHosts, SPEC_MEMBERS } from '../support/mariadb/spec-hosts'
import { mariadbSql } from '../support/mariadb/lab'

// The specs share the lab's hosts: one after another, in one worker.
test.describe.configure({ mode: 'default' })

let lab: Lab
const CLUSTER = 'maria-roles'
/** Its own port and base dir: nothing another spec runs on the same hosts is touched. */
const PORT = 3317
const SOCKET = `/run/mysqld/rd-${PORT}.sock`
const BASE = '/srv/mariadb-roles'
const members = SPEC_MEMBERS
type Member = (typeof members)[number]
const named = (name: string): Member => members.find((m) => m.name === name)!
const dataDir = (m: Member) => `${BASE}/${m.name}`

const cleanHosts = () => cleanSpecHosts(lab, BASE, PORT)
const sql = (m: Member, text: string) => mariadbSql(lab, m.host, text, { socket: SOCKET, timeoutMs: 10_000 })

test.beforeAll(() => {
  lab = requireLab()
})

/** Confirms the dialog and waits for the operation it started on the card (each kind runs once here) to succeed, failing with its own words. */
async function confirmAndFinish(card: MariaDbClusterCard, dialog: RoleChangeDialog, kind: string, timeout = 45_000): Promise<number> {
  const t = Date.now()
  await dialog.confirm()
  await card.operation(kind).expectSucceeded(kind, timeout)
  return Date.now() - t
}

/** kill -9 of the member's mariadbd (its pid file in the datadir), as a crash would. */
async function killMariadbd(m: Member): Promise<void> {
  const r = await exec(m.host, ['sh', '-c', 'kill -KILL "$(cat "$1/mariadbd.pid")"', 'sh', dataDir(m)], { lab, timeoutMs: 10_000 })
  if (r.code !== 0) throw new Error(`${m.host}: kill -9 of the mariadbd of ${m.name} failed (exit ${r.code}): ${r.stderr || r.stdout}`)
}

test('MariaDB roles from the page: switchover (no loss), failover after kill -9 (the loss stated, the old primary fenced), rejoin refused on its errant GTID, then rebuilt; a split brain fenced from the banner', async ({ app }) => {
  test.setTimeout(300_000) // most of it only if another spec holds the lab's hosts
  const release = await lockLabHosts('mariadb-roles-lab: MariaDB on host1..3, switchover, kill -9, failover, rejoin', 200_000)
  try {
    const t0 = Date.now()
    const lap = (what: string) => console.log(`${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    await cleanHosts()
    await addTrustedHosts(app, lab, labHosts(lab, 3))

    // --- three members, asynchronous, plain layout; a few rows ---------------------------------
    const [db1, ...replicas] = members as [Member, Member, Member]
    await cliOk(app, ['cluster', 'create', CLUSTER, '--engine', 'mariadb', '--member', db1.name, '--host', db1.host, '--datadir', dataDir(db1), '--port', String(PORT)])
    for (const r of replicas) await cliOk(app, ['replica', 'add', CLUSTER, r.name, '--host', r.host, '--datadir', dataDir(r), '--port', String(PORT)])
    await sql(db1, 'CREATE DATABASE IF NOT EXISTS app; CREATE TABLE app.t (id INT PRIMARY KEY); INSERT INTO app.t VALUES (1), (2), (3)')
    lap('cluster of 3 made through the CLI')

    const clusters = new ClustersPage(app.page)
    await clusters.shell.expectConnected()
    const card = new MariaDbClusterCard(app.page, CLUSTER)
    await expect(card.memberNames).toHaveText(members.map((m) => m.name), { timeout: 15_000 })
    await expect(card.live(db1.name).role).toHaveText('primary', { timeout: 15_000 })
    for (const r of replicas) {
      await expect(card.live(r.name).root).toHaveAttribute('data-io', 'Yes', { timeout: 15_000 })
      await expect(card.live(r.name).root).toHaveAttribute('data-behind', '0', { timeout: 15_000 })
    }
    await expect(card.failoverButton).toHaveAttribute('data-urgent', 'false')
    lap('cluster shown, both replicas caught up')

    // --- 1. switchover: nothing lost, GTIDs in the plan ------------------------------------------
    const swo = await card.roles.openSwitchover()
    await swo.waitPlanned()
    await expect(swo.lead).toContainText('MASTER_GTID_WAIT')
    const planned = await swo.readAssessment()
    console.log(`switchover plan: ${JSON.stringify(planned)}`)
    expect(planned.from).toBe(db1.name)
    expect(replicas.map((r) => r.name)).toContain(planned.to)
    expect(planned.lossKind).toBe('none')
    expect(planned.loss).toBe('none (clean switchover)')
    await expect(swo.assessment.getByTestId('assessment-position-heading')).toHaveText('GTID received')
    expect(planned.candidates.map((c) => c.behind)).toEqual(['caught up', 'caught up'])
    await expect(swo.confirmButton).toHaveText(`Switch over to ${planned.to}`)
    await app.snapshot('mariadb-switchover-plan')
    const swoMs = await confirmAndFinish(card, swo, 'mariadb-switchover')
    lap(`switchover ${db1.name} → ${planned.to} done (${swoMs} ms after Confirm)`)

    const p2 = named(planned.to)
    const others = members.filter((m) => m !== p2)
    await expect(card.live(p2.name).role).toHaveText('primary', { timeout: 15_000 })
    await expect(card.live(p2.name).readOnly).toHaveText('OFF')
    for (const m of others) {
      await expect(card.live(m.name).threads).toContainText(`IO Yes · SQL Yes from ${p2.name}`, { timeout: 15_000 })
      await expect(card.live(m.name).readOnly).toHaveText('ON')
    }
    lap(`${p2.name} shown as the primary, ${others.map((m) => m.name).join(' and ')} replicating from it`)

    // --- 2. a write only the primary has, then kill -9 of its mariadbd: failover states the loss -----
    // The others stop receiving (IO threads stopped), the primary takes one more row, status reads its new position.
    for (const m of others) await sql(m, 'STOP SLAVE IO_THREAD')
    await sql(p2, 'INSERT INTO app.t VALUES (4)')
    const lastPos = await sql(p2, 'SELECT @@gtid_binlog_pos')
    await expect(card.live(p2.name).gtidBinlog).toHaveText(lastPos, { timeout: 10_000 })
    const killedAt = Date.now()
    await killMariadbd(p2)
    await expect(card.live(p2.name).root).toHaveAttribute('data-state', 'down', { timeout: 10_000 })
    await expect(card.failoverButton).toHaveAttribute('data-urgent', 'true')
    await expect(card.switchoverButton).toBeDisabled()
    console.log(`kill -9 of ${p2.name}'s mariadbd: shown down after ${Date.now() - killedAt} ms`)

    const fov = await card.roles.openFailover()
    await fov.waitPlanned()
    const stated = await fov.readAssessment()
    console.log(`failover plan: ${JSON.stringify(stated)}`)
    expect(stated.from).toBe(p2.name)
    expect(others.map((m) => m.name)).toContain(stated.to)
    // Asynchronous: a bound, the one transaction the others lack plus the seconds since the primary was last seen.
    expect(stated.lossKind).toBe('bound')
    expect(stated.loss).toMatch(/^at least 1 transaction \+ up to .+ of writes$/)
    await expect(fov.assessment.getByTestId('assessment-loss-detail')).toContainText(`the last position seen on ${p2.name}, ${lastPos}`)
    await expect(fov.confirmButton).toHaveText(`Fail over to ${stated.to}`)
    await fov.assessment.scrollIntoViewIfNeeded()
    await app.snapshot('mariadb-failover-plan')
    const fovMs = await confirmAndFinish(card, fov, 'mariadb-failover')
    lap(`failover to ${stated.to} done (${fovMs} ms after Confirm)`)

    const p3 = named(stated.to)
    const follower = others.find((m) => m !== p3)!
    await expect(card.live(p3.name).role).toHaveText('primary', { timeout: 15_000 })
    await expect(card.live(p3.name).readOnly).toHaveText('OFF')
    await expect(card.live(follower.name).threads).toContainText(`IO Yes · SQL Yes from ${p3.name}`, { timeout: 15_000 })
    await expect(card.live(p2.name).fenced).toBeVisible({ timeout: 15_000 })
    await expect(card.roles.fencedRowBadge(p2.name)).toBeVisible()
    await expect(card.live(p2.name).rejoinOffer).toHaveAttribute('data-reason', 'fenced')
    await expect(card.failoverButton).toHaveAttribute('data-urgent', 'false')
    console.log(`kill to the new primary shown: ${Date.now() - killedAt} ms`)
    lap(`${p3.name} shown as the primary, ${p2.name} fenced`)

    // --- 3. rejoin: refused with the errant GTID, then a rebuild (confirmed twice) -----------------
    const rejoin = await card.roles.openRejoin(p2.name)
    await rejoin.waitPlanned()
    await expect(rejoin.lead).toContainText('errant GTIDs')
    await expect(rejoin.confirmButton).toHaveText(`Rejoin ${p2.name}`)
    await rejoin.confirm()
    const refused = card.operation('mariadb-rejoin')
    await expect(refused.root).toHaveAttribute('data-status', /^(succeeded|failed|interrupted|abandoned)$/, { timeout: 45_000 })
    expect(await refused.root.getAttribute('data-status'), 'a rejoin of a member with a transaction of its own must be refused').toBe('failed')
    await expect(refused.error).toContainText(`errant GTIDs: ${lastPos}`)
    const refusedId = await refused.root.getAttribute('data-id')
    lap(`rejoin of ${p2.name} refused: ${(await refused.error.innerText()).slice(0, 160)}…`)

    const rebuild = await card.roles.openRejoin(p2.name)
    await rebuild.waitPlanned()
    await rebuild.rebuild.click()
    await expect(rebuild.rebuildWarning).toContainText(dataDir(p2))
    await expect(rebuild.confirmButton).toHaveText(`Rebuild ${p2.name}`, { timeout: 30_000 })
    await rebuild.waitPlanned()
    await rebuild.confirmButton.click()
    await app.page.getByRole('dialog', { name: `Rebuild ${p2.name}?` }).getByRole('button', { name: 'Delete and copy afresh' }).click()
    await expect(rebuild.root).toBeHidden({ timeout: 30_000 })
    const rebuilt = new OperationCard(card.root.locator(`[data-testid="operation"][data-kind="mariadb-rejoin"]:not([data-id="${refusedId}"])`).first())
    await rebuilt.expectSucceeded(`the rebuild of ${p2.name}`, 60_000)
    await expect(rebuilt.title).toHaveText(new RegExp(`^Rebuild ${p2.name} on ${p2.host}`))
    lap(`${p2.name} rebuilt`)
    await expect(card.live(p2.name).threads).toContainText(`IO Yes · SQL Yes from ${p3.name}`, { timeout: 15_000 })
    await expect(card.live(p2.name).role).toHaveText('replica')
    await expect(card.live(p2.name).readOnly).toHaveText('ON')
    await expect(card.live(p2.name).fenced).toHaveCount(0)
    await expect(card.live(p2.name).rejoinOffer).toHaveCount(0)
    // Its own row went with its data; a write on the new primary reaches it.
    await sql(p3, 'INSERT INTO app.t VALUES (5)')
    await expect.poll(() => sql(p2, 'SELECT GROUP_CONCAT(id ORDER BY id) FROM app.t'), { timeout: 10_000 }).toBe('1,2,3,5')
    await app.snapshot('mariadb-rejoined')
    lap(`${p2.name} replicates from ${p3.name} again`)

    // --- 4. split brain: a replica made writable by hand; Fence in the banner ------------------------
    await sql(follower, 'SET GLOBAL read_only = OFF')
    const roles = card.roles
    await expect(card.root.getByTestId('split-brain-banner')).toBeVisible({ timeout: 10_000 })
    await expect(roles.splitBrainFence).toHaveCount(2)
    await expect(card.switchoverButton).toBeDisabled()
    await expect(card.failoverButton).toBeDisabled()
    const fence = await roles.openFence(follower.name)
    await fence.waitPlanned()
    await expect(fence.confirmButton).toHaveText(`Fence ${follower.name}`)
    await app.snapshot('mariadb-fence-plan')
    const fenceMs = await confirmAndFinish(card, fence, 'mariadb-fence')
    await expect(card.root.getByTestId('split-brain-banner')).toHaveCount(0, { timeout: 15_000 })
    await expect(card.live(follower.name).root).toHaveAttribute('data-state', 'down', { timeout: 15_000 })
    await expect(card.live(follower.name).fenced).toBeVisible({ timeout: 15_000 })
    await expect(card.live(follower.name).rejoinOffer).toHaveAttribute('data-reason', 'fenced')
    await expect(card.live(p3.name).role).toHaveText('primary')
    // Its server is stopped: no mariadbd answers on its socket.
    expect((await exec(follower.host, ['sh', '-c', 'test -S "$1" && kill -0 "$(cat "$2/mariadbd.pid")"', 'sh', SOCKET, dataDir(follower)], { lab, timeoutMs: 10_000 })).code).not.toBe(0)
    lap(`${follower.name} fenced from the banner (${fenceMs} ms after Confirm)`)

    const back = await card.roles.openRejoin(follower.name)
    await back.waitPlanned()
    await expect(back.confirmButton).toHaveText(`Rejoin ${follower.name}`)
    const rejoinCards = card.root.locator('[data-testid="operation"][data-kind="mariadb-rejoin"]')
    const earlier = await rejoinCards.evaluateAll((els) => els.map((e) => `:not([data-id="${e.getAttribute('data-id')}"])`).join(''))
    await back.confirm()
    const rejoined = new OperationCard(card.root.locator(`[data-testid="operation"][data-kind="mariadb-rejoin"]${earlier}`).first())
    await rejoined.expectSucceeded(`the rejoin of ${follower.name}`, 60_000)
    await expect(card.live(follower.name).threads).toContainText(`IO Yes · SQL Yes from ${p3.name}`, { timeout: 15_000 })
    await expect(card.live(follower.name).readOnly).toHaveText('ON')
    await expect(card.live(follower.name).fenced).toHaveCount(0)
    lap(`${follower.name} rejoined`)
  } finally {
    await cleanHosts().catch((err: Error) => console.log(`clean-up after the spec: ${err.message}`))
    release()
  }
})
