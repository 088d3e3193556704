// MariaDB through the same screens as PostgreSQL, against the test lab's real sshd and MariaDB
// 10.11 (issue 23): a cluster created on host1 from the wizard (MariaDB, plain layout, a new
// primary; the plan shown first), seeded with rows, two replicas added on host2 and host3 from
// the card while the page shows the copy's progress reaching 100 %, and both shown replicating
// on their live cards (IO and SQL threads Yes, 0 transactions behind, read_only ON). The wizard's
// MariaDB detection: db1's running server found, picked for adopt and prefilled.
// Semi-sync on from the Redundancy panel with db2 acknowledging (the plan's summary first): the
// health verdict then survives 1 failure without losing a write; off again: 0. Then one replica
// removed with its datadir.
import type { Locator } from '@playwright/test'
import { exec, type Lab } from '../lab'
import { expect, test } from '../fixtures/app'
import { labHosts, requireLab } from '../fixtures/lab'
import { lockLabHosts } from '../fixtures/labLock'
import { ClustersPage } from '../pages/ClustersPage'
import { MariaDbClusterCard } from '../pages/MariaDbCluster'
import { expectProgressShown, OperationCard, OperationsPage } from '../pages/OperationsPage'
import { addTrustedHosts, cleanSpecHosts, SPEC_MEMBERS } from '../support/mariadb/spec-hosts'
import { mariadbSql, seedRows } from '../support/mariadb/lab'

// The specs share the lab's hosts: one after another, in one worker.
test.describe.configure({ mode: 'default' })

let lab: Lab
const CLUSTER = 'maria-e2e'
/** Not 3306: a Debian server another test started on a host must not be in the way. */
const PORT = 3316
const SOCKET = `/run/mysqld/rd-${PORT}.sock`
const BASE = '/srv/mariadb'
const SEED_MB = 96
const members = SPEC_MEMBERS

const cleanHosts = () => cleanSpecHosts(lab, BASE, PORT)

/** The wizard's MariaDB detection once done: its root, the ports servers listen on, one server by port. */
async function mariaDetected(scope: Locator): Promise<{ root: Locator; ports: number[]; instance: (port: number) => Locator }> {
  const root = scope.getByTestId('maria-detection')
  await expect(root).toHaveAttribute('data-state', 'done', { timeout: 20_000 })
  const ports = await root.getByTestId('maria-detection-instance').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-port'))))
  return { root, ports, instance: (port) => root.locator(`[data-testid="maria-detection-instance"][data-port="${port}"]`) }
}

const freeFrom = (port: number, used: number[]): number => (used.includes(port) ? freeFrom(port + 1, used) : port)

test.beforeAll(() => {
  lab = requireLab()
})

test('MariaDB: create a cluster from the page, add two replicas with live progress, both replicate with 0 transactions behind, remove one', async ({ app }) => {
  // Most of it only when another spec or lab test holds the hosts; the run itself: about a minute.
  test.setTimeout(300_000)
  const release = await lockLabHosts('mariadb-lab: MariaDB on host1..3', 200_000)
  try {
    const t0 = Date.now()
    const lap = (what: string) => console.log(`${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    await cleanHosts()
    await addTrustedHosts(app, lab, labHosts(lab, 3))
    lap('hosts clean and added')
    const clusters = new ClustersPage(app.page)
    await clusters.shell.expectConnected()
    await expect(clusters.emptyState).toContainText('PostgreSQL or MariaDB')

    // --- the wizard: MariaDB, host1, a new primary; only MariaDB's fields ------------------
    const wizard = await clusters.startCreate()
    await wizard.pickEngine('mariadb')
    await wizard.pickHost('host1')
    const found = await mariaDetected(wizard.root)
    await expect(found.root.getByTestId('maria-detection-login')).toHaveText(lab.users.admin)
    await expect(found.root.getByTestId('maria-detection-versions')).toContainText('10.11')
    await expect(wizard.root.getByTestId('create-mode')).toContainText('Adopt a running MariaDB')
    await wizard.next()
    await wizard.clusterId.fill(CLUSTER)
    await wizard.member.fill('db1')
    await expect(wizard.field('dataDir')).toHaveValue(`${BASE}/db1`)
    // 3306 unless a server there listens on it (another test's Debian server): the next free one.
    await expect(wizard.field('port')).toHaveValue(String(freeFrom(3306, found.ports)))
    await expect(wizard.root.getByTestId('create-major')).toHaveCount(0)
    await expect(wizard.root.getByTestId('create-sync-method')).toHaveCount(0)
    await expect(wizard.field('debianName')).toHaveCount(0)
    await expect(wizard.semiSyncMeaning).toContainText('AFTER_SYNC')
    // The Debian layout has its own datadir: the field goes.
    await wizard.fillPlacement({ layout: 'debian' })
    await expect(wizard.root.getByTestId('create-dataDir-fixed')).toContainText('/var/lib/mysql')
    await wizard.fillPlacement({ layout: 'plain', port: PORT })
    await expect(wizard.field('dataDir')).toHaveValue(`${BASE}/db1`)
    await app.snapshot('mariadb-create-settings')

    await wizard.showPlan()
    await expect(wizard.plan.title).toHaveText(`Create cluster ${CLUSTER}: new primary db1 on host1`)
    const steps = await wizard.plan.read()
    expect(steps.length).toBeGreaterThan(1)
    const commands = steps.flatMap((s) => s.commands).join('\n')
    expect(commands).toContain(`${BASE}/db1`)
    expect(commands).not.toMatch(/IDENTIFIED BY\s+'(?!\*)/i) // the replication password never shows
    await app.snapshot('mariadb-create-plan')
    await wizard.create()

    const operations = new OperationsPage(app.page)
    const creation = operations.card('mariadb-create-cluster', CLUSTER)
    await creation.expectSucceeded('the creation', 60_000)
    await expect(creation.percent).toHaveText('100 %')
    lap('cluster created')

    // --- rows, so that the copies take a moment --------------------------------------------
    const seeded = await seedRows(lab, 'host1', { megabytes: SEED_MB, socket: SOCKET })
    lap(`seeded ${SEED_MB} MiB (${seeded.rows} rows, ${seeded.mbPerSecond.toFixed(0)} MB/s)`)

    await clusters.open()
    const card = new MariaDbClusterCard(app.page, CLUSTER)
    await expect(card.memberNames).toHaveText(['db1'])
    await expect(card.major).toHaveText(/^MariaDB 10\.11\.\d+/, { timeout: 15_000 })
    await expect(card.syncLabel).toHaveText('asynchronous')
    // One member: nothing to switch over to (the role changes are mariadb-roles-lab.spec.ts's).
    await expect(card.switchoverButton).toBeDisabled()
    await expect(card.failoverButton).toBeVisible()
    await expect(card.live('db1').role).toHaveText('primary')
    await expect(card.live('db1').readOnly).toHaveText('OFF')

    // --- two replicas, one after the other (one operation per cluster at a time) -----------
    for (const r of members.slice(1)) {
      const stop = await OperationCard.recordProgress(app.page, `[data-testid="cluster"][data-cluster="${CLUSTER}"] [data-testid="operation"][data-kind="mariadb-add-replica"]`)
      const add = await card.startAddReplica()
      await add.pickHost(r.host)
      await expect(add.name).toHaveValue(r.name) // the cluster's pattern: db1 → db2 → db3
      await expect(add.field('dataDir')).toHaveValue(`${BASE}/${r.name}`)
      await expect(add.field('port')).toHaveValue('3306')
      await add.fillPlacement({ port: PORT })
      await add.add()
      const op = card.operation('mariadb-add-replica')
      await expect(op.title).toHaveText(`Add replica ${r.name} on ${r.host} to cluster ${CLUSTER}`)
      if (r.name === 'db2' && (await op.root.getAttribute('data-status')) === 'running') await app.snapshot('mariadb-add-replica-progress')
      await op.expectSucceeded(`the add of ${r.name}`, 90_000)
      await expect(op.percent).toHaveText('100 %')
      const seen = await stop()
      expectProgressShown(seen[(await op.root.getAttribute('data-id')) ?? ''], `add ${r.name}`)
      lap(`replica ${r.name} added`)
    }

    // --- both replicate from db1, caught up ------------------------------------------------
    await expect(card.memberNames).toHaveText(['db1', 'db2', 'db3'])
    for (const r of members.slice(1)) {
      const live = card.live(r.name)
      await expect(live.root).toHaveAttribute('data-io', 'Yes', { timeout: 15_000 })
      await expect(live.root).toHaveAttribute('data-sql', 'Yes')
      await expect(live.root).toHaveAttribute('data-behind', '0', { timeout: 15_000 })
      await expect(live.role).toHaveText('replica')
      await expect(live.threads).toContainText('IO Yes · SQL Yes')
      await expect(live.behind).toHaveText(/^0 transactions · /)
      await expect(live.readOnly).toHaveText('ON')
      await expect(live.threadErrors).toHaveCount(0)
      expect(await mariadbSql(lab, r.host, 'SELECT COUNT(*) FROM seed.rows', { socket: SOCKET })).toBe(String(seeded.rows))
    }
    await expect(card.live('db2').gtidCurrent).toHaveText(await card.live('db1').gtidCurrent.innerText())
    await app.snapshot('mariadb-cluster-three-members')
    lap('both replicas shown replicating, 0 transactions behind')

    // --- the wizard's detection: the running primary found, picked for adopt, prefilled ----
    const adopt = await clusters.startCreate()
    await adopt.pickEngine('mariadb')
    await adopt.pickHost('host1')
    const db1Found = (await mariaDetected(adopt.root)).instance(PORT)
    await expect(db1Found).toHaveAttribute('data-adoptable', 'true')
    await expect(db1Found).toContainText(`${BASE}/db1`)
    await expect(db1Found).toContainText(/primary · plain datadir · server_id 1 · binary log ROW · read_only OFF/)
    await adopt.root.getByTestId('create-mode').getByText('Adopt a running MariaDB').click()
    await expect((await mariaDetected(adopt.root)).instance(PORT)).toHaveAttribute('data-picked', 'true')
    await app.snapshot('mariadb-create-detection')
    await adopt.next()
    await expect(adopt.field('dataDir')).toHaveValue(`${BASE}/db1`)
    await expect(adopt.field('port')).toHaveValue(String(PORT))
    await app.page.keyboard.press('Escape')
    await expect(adopt.root).toBeHidden()
    lap('detection: db1 found, picked and prefilled for adopt')

    // --- semi-sync on, db2 acknowledging: the verdict survives one failure without loss ----
    await expect(card.health.noLoss).toHaveText('survives 0 member failures without losing a write', { timeout: 15_000 })
    // Three members, a failover on a click: writes go on after any two fail.
    await expect(card.health.writes).toHaveText('2 member failures and keeps writing')
    const on = await card.openMariaRedundancy()
    await expect(on.oneAck).toContainText('waits for one acknowledgement')
    await on.setSemiSync(true)
    await on.setLostSync('strict')
    await expect(on.lostSyncMeaning).toContainText('writes on the primary wait')
    await on.setLostSync('available', 5)
    await on.setMemberSync('db2', true)
    await on.showPlan()
    const planned = (await on.plan.readSummary()).join('\n')
    expect(planned).toContain('Semi-synchronous replication goes on (AFTER_SYNC)')
    expect(planned).toContain('Semi-sync timeout: after 5 s without an acknowledgement')
    expect(planned).toContain('Replicas that acknowledge commits: db2 (was none)')
    await app.snapshot('mariadb-redundancy-plan')
    await on.apply()
    const applyOn = card.operation('mariadb-settings')
    await applyOn.expectSucceeded('semi-sync on', 30_000)
    const onId = await applyOn.root.getAttribute('data-id')
    await expect(card.syncLabel).toHaveText('semi-synchronous (falls back after 5 s)')
    await expect(card.member('db2').getByTestId('member-sync')).toHaveText('semi-sync replica')
    await mariadbSql(lab, 'host1', 'CREATE TABLE IF NOT EXISTS seed.acked (id INT AUTO_INCREMENT PRIMARY KEY); INSERT INTO seed.acked () VALUES ()', { socket: SOCKET })
    await expect(card.live('db2').semiSync).toHaveText('on: acknowledges commits', { timeout: 15_000 })
    await expect(card.health.noLoss).toHaveText('survives 1 member failure without losing a write', { timeout: 15_000 })
    await expect(card.health.noLoss).toHaveAttribute('title', /on db1 and on at least one of db2/)
    await app.snapshot('mariadb-semi-sync-verdict')
    lap('semi-sync on: survives 1 failure without losing a write')

    // --- semi-sync off: back to 0 -----------------------------------------------------------
    const off = await card.openMariaRedundancy()
    await off.setSemiSync(false)
    await off.showPlan()
    expect((await off.plan.readSummary()).join('\n')).toContain('Semi-synchronous replication goes off')
    await off.apply()
    await expect(card.operation('mariadb-settings').root).not.toHaveAttribute('data-id', onId ?? '')
    await card.operation('mariadb-settings').expectSucceeded('semi-sync off', 30_000)
    await expect(card.syncLabel).toHaveText('asynchronous')
    await expect(card.health.noLoss).toHaveText('survives 0 member failures without losing a write', { timeout: 15_000 })
    await expect(card.health.noLoss).toHaveAttribute('title', /^asynchronous/)
    lap('semi-sync off: 0')

    // --- remove db3 and its datadir (confirmed twice) --------------------------------------
    const remove = await card.startRemove('db3')
    await expect(remove.root).toContainText('RESET SLAVE ALL')
    await remove.deleteData.click()
    await remove.removeButton.click()
    await app.page.getByRole('dialog', { name: 'Delete the data directory?' }).getByRole('button', { name: 'Delete it' }).click()
    await card.operation('mariadb-remove-replica').expectSucceeded('the removal of db3', 30_000)
    await expect(card.memberNames).toHaveText(['db1', 'db2'])
    expect((await exec('host3', ['test', '-e', `${BASE}/db3`], { lab })).code, `${BASE}/db3 is still on host3`).not.toBe(0)
    lap('replica db3 removed with its datadir')
  } finally {
    await cleanHosts().catch((err: Error) => console.log(`clean-up after the spec: ${err.message}`))
    release()
  }
})
