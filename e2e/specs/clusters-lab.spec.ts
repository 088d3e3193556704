// Clusters against the test lab's real sshd and PostgreSQL 15: the plan of a creation (a dry
// run that shows every command and no secret, and changes nothing); a cluster created on host1
// through the wizard, seeded with data, two replicas added on host2 and host3 while the page
// shows the copy's progress (and a refused add abandoned on the way), both streaming, one
// removed with its data; and adopt, prefilled from a running Debian cluster the host reports.
import { block, createDebianCluster, exec, execOk, resetHost, unblock, type Lab, type LabHost } from '../lab'
import { expect, test, type AppUnderTest } from '../fixtures/app'
import { labHosts, requireLab } from '../fixtures/lab'
import { lockLabHosts } from '../fixtures/labLock'
import { ClustersPage } from '../pages/ClustersPage'
import { expectProgressShown, OperationCard, OperationsPage } from '../pages/OperationsPage'
import { PrepareDialog } from '../pages/PrepareDialog'

// The specs share the lab's hosts: one after another, in one worker.
test.describe.configure({ mode: 'default' })

let lab: Lab
const CLUSTER = 'e2e'
const DATA_DIR = '/var/lib/postgresql/15/e2e'
const PORT = 5432
const members = [
  { name: 'db1', host: 'host1' },
  { name: 'db2', host: 'host2' },
  { name: 'db3', host: 'host3' },
]

/** Stops what the spec started and removes what it made on a host (whatever state it is in). */
async function cleanHost(host: string, member: string): Promise<void> {
  const pgCtl = `${lab.pgBin}/pg_ctl`
  const running = await exec(host, ['test', '-f', `${DATA_DIR}/postmaster.pid`])
  if (running.code === 0) await exec(host, [pgCtl, '-D', DATA_DIR, 'stop', '-m', 'immediate', '-w'], { user: 'postgres' })
  await execOk(host, ['rm', '-rf', '--', DATA_DIR, `/var/log/postgresql/replicadesk-${member}.log`, '/var/lib/postgresql/.pgpass', '/var/lib/postgresql/.replicadesk'])
  await resetHost(host, lab)
}

test.beforeAll(() => {
  lab = requireLab()
})

test.afterAll(async () => {
  if (!lab) return
  for (const m of members) await cleanHost(m.host, m.name)
})

/** Adds and trusts the lab hosts through the CLI (asking the running instance), as hosts-lab.spec does. */
async function addTrusted(app: AppUnderTest, hosts: LabHost[]): Promise<void> {
  for (const h of hosts) {
    for (const args of [
      ['host', 'add', h.name, '--address', h.address, '--port', String(h.port), '--user', lab.users.postgres, '--identity-file', lab.clientKeyPath],
      ['host', 'trust', h.name, h.hostKeyFingerprint],
    ]) {
      const r = await app.cli(args)
      expect(r.code, `replicadesk ${args.join(' ')}: ${JSON.stringify(r.json)}`).toBe(0)
    }
  }
}

const psql = (host: string, sql: string) =>
  execOk(host, [`${lab.pgBin}/psql`, '-X', '-At', '-h', '/var/run/postgresql', '-p', String(PORT), '-d', 'postgres', '-c', sql], { user: 'postgres' }).then((s) => s.trim())

test('the plan of a new cluster lists every step and command, shows no secret, and changes nothing', async ({ app }) => {
  // Connects to the hosts: another spec must not kill or cut them meanwhile.
  test.setTimeout(200_000)
  const release = await lockLabHosts('clusters-lab: plan only')
  try {
    const [host1] = labHosts(lab, 1) as [LabHost]
    await addTrusted(app, [host1])
    const clusters = new ClustersPage(app.page)
    await clusters.shell.expectConnected()
    await expect(clusters.emptyState).toContainText('No clusters yet')

    const wizard = await clusters.startCreate()
    await wizard.pickHost(host1.name)
    await expect(wizard.versions).toContainText(/^15\.\d+/)
    await wizard.next()
    await wizard.clusterId.fill('e2e-plan')
    await expect(wizard.member).toHaveValue('host1')
    await expect(wizard.field('dataDir')).toHaveValue('/var/lib/postgresql/15/e2e-plan')
    await expect(wizard.field('port')).toHaveValue(String(PORT))
    await wizard.showPlan()

    await expect(wizard.plan.title).toHaveText('Create cluster e2e-plan: new primary host1 on host1')
    const steps = await wizard.plan.read()
    expect(steps.map((s) => s.id)).toEqual(['preflight', 'init', 'start', 'access'])
    for (const s of steps) {
      expect(s.title).not.toBe('')
      expect(s.hosts).toEqual(['host1'])
      expect(s.commands.length, `commands of ${s.id}`).toBeGreaterThan(0)
    }
    const all = steps.flatMap((s) => s.commands).join('\n')
    expect(all).toContain('/var/lib/postgresql/15/e2e-plan')
    expect(all).toContain('/usr/lib/postgresql/15/bin/')
    // Secrets never appear: no password literal, no generated-looking token.
    expect(all).not.toMatch(/PASSWORD\s+'(?!\*)/i)
    expect(all).not.toMatch(/(^|[^A-Za-z0-9])[A-Za-z0-9]{32}([^A-Za-z0-9]|$)/)
    await app.snapshot('create-cluster-plan')

    // Nothing ran: no record, no operation, nothing on the host.
    await wizard.root.getByRole('button', { name: 'Back to settings' }).click()
    await app.page.keyboard.press('Escape')
    await expect(wizard.root).toBeHidden()
    await expect(clusters.emptyState).toBeVisible()
    const operations = new OperationsPage(app.page)
    await operations.open()
    await expect(operations.empty).toContainText('No operations yet')
    expect((await exec(host1.name, ['test', '-e', '/var/lib/postgresql/15/e2e-plan'])).code).not.toBe(0)
  } finally {
    release()
  }
})

test('create a cluster on host1, add replicas on host2 and host3 with live progress, remove one with its data', async ({ app }) => {
  test.setTimeout(150_000)
  const hosts = labHosts(lab, 3)
  // PostgreSQL on the hosts and a cut link elsewhere would not mix: hold them until done.
  const release = await lockLabHosts('clusters-lab: create and add replicas')
  try {
    for (const m of members) await cleanHost(m.host, m.name)
    const t0 = Date.now()
    const lap = (what: string) => console.log(`${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    await addTrusted(app, hosts)
    const clusters = new ClustersPage(app.page)
    await clusters.shell.expectConnected()

    // --- create: init a plain data dir on host1 -------------------------------------------
    const wizard = await clusters.startCreate()
    await wizard.pickHost('host1')
    await expect(wizard.noInstances).toBeVisible()
    await app.snapshot('create-cluster-host')
    await wizard.next()
    await wizard.clusterId.fill(CLUSTER)
    await wizard.member.fill('db1')
    await wizard.fillPlacement({ layout: 'plain', dataDir: DATA_DIR, port: PORT })
    await app.snapshot('create-cluster-settings')
    await wizard.create()

    // Create switches to the operations panel, filtered on the new cluster.
    const operations = new OperationsPage(app.page)
    await expect(operations.shell.heading).toHaveText('Operations')
    const creation = operations.card('pg-create-cluster', CLUSTER)
    await expect(creation.title).toHaveText(`Create cluster ${CLUSTER}: new primary db1 on host1`)
    await creation.expectEnded('succeeded', 60_000)
    await expect(creation.percent).toHaveText('100 %')
    await creation.openSteps()
    await expect(creation.steps).toHaveCount(4)
    for (const step of await creation.steps.all()) await expect(step).toHaveAttribute('data-status', /done|skipped/)
    await app.snapshot('create-cluster-done')
    lap('cluster created')

    // --- seed data so that the copies take a moment --------------------------------------
    await execOk('host1', [`${lab.pgBin}/pgbench`, '-i', '-q', '-s', '5', '-h', '/var/run/postgresql', '-p', String(PORT), 'postgres'], { user: 'postgres', timeoutMs: 60_000 })
    lap(`pgbench -i -s 5 done: database ${await psql('host1', "SELECT pg_size_pretty(pg_database_size('postgres'))")}`)

    await clusters.open()
    const card = clusters.cluster(CLUSTER)
    await expect(card.major).toHaveText('PostgreSQL 15')
    await expect(card.memberNames).toHaveText(['db1'])

    // --- two replicas, one after the other (one operation per cluster at a time) ---------
    const replicas = [
      { name: 'db2', host: 'host2', sync: true, priority: 50, neverPromote: false },
      { name: 'db3', host: 'host3', sync: false, priority: 200, neverPromote: true },
    ]
    const startAdd = async (r: (typeof replicas)[number]) => {
      const add = await card.startAddReplica()
      await add.pickHost(r.host)
      await expect(add.detected).toContainText('PostgreSQL 15')
      // Named in the cluster's own pattern (db1 → db2, db3), not after the host.
      await expect(add.name).toHaveValue(r.name)
      await expect(add.host).toContainText(r.host)
      await expect(add.field('dataDir')).toHaveValue(DATA_DIR) // the same path on another host
      await expect(add.field('port')).toHaveValue(String(PORT))
      await add.fillPlacement({ sync: r.sync, priority: r.priority, neverPromote: r.neverPromote })
      await add.add()
      const op = card.operation('pg-add-replica')
      await expect(op.title).toHaveText(`Add replica ${r.name} on ${r.host} to cluster ${CLUSTER}`)
      return op
    }

    for (const r of replicas) {
      if (r.name === 'db3' && lab.mode === 'netns') {
        // First a refused add: host3 cannot reach db1's port. It fails in its pre-flight, the
        // card says why and offers Resume or Abandon; Abandon (confirmed) takes db3 out again.
        await block('host1', PORT, lab)
        try {
          const failed = await startAdd(r)
          await failed.expectEnded('failed', 30_000)
          await expect(failed.error).toContainText('cannot reach')
          await expect(card.member('db3').getByTestId('member-operation')).toHaveText('add stopped')
          await expect(failed.step('preflight')).toHaveAttribute('data-status', 'failed')
          await expect(failed.resumeButton).toBeVisible()
          await app.snapshot('add-replica-failed')
          await failed.abandonButton.click()
          const confirm = app.page.getByRole('dialog', { name: 'Abandon operation' })
          await expect(confirm).toContainText('undoes what it made')
          await confirm.getByRole('button', { name: 'Abandon and undo' }).click()
          await failed.expectEnded('abandoned', 30_000)
          await expect(card.memberNames).toHaveText(['db1', 'db2'])
        } finally {
          await unblock('host1', PORT, lab)
        }
        lap('refused add of db3 abandoned')
      }

      const stop = await OperationCard.recordProgress(app.page, `[data-testid="cluster"][data-cluster="${CLUSTER}"] [data-testid="operation"][data-kind="pg-add-replica"]`)
      const op = await startAdd(r)
      await expect(op.percent).toHaveText(/^\d+ %$/)
      // A picture of the bar while it moves (the recording above checks what it showed).
      if (r.name === 'db2' && (await op.root.getAttribute('data-status')) === 'running') await app.snapshot('add-replica-progress')
      await op.expectEnded('succeeded', 60_000)
      await expect(op.percent).toHaveText('100 %')
      await expect(card.member(r.name).getByTestId('member-operation')).toHaveCount(0)
      const seen = await stop()
      const id = (await op.root.getAttribute('data-id')) ?? ''
      expectProgressShown(seen[id], `add ${r.name}`)
      lap(`replica ${r.name} added`)
    }

    await expect(card.memberNames).toHaveText(['db1', 'db2', 'db3'])
    expect(await card.readMember('db2')).toMatchObject({ host: 'host2', port: String(PORT), dataDir: DATA_DIR })
    expect((await card.readMember('db2')).badges).toMatch(/synchronous.*priority 50/s)
    expect((await card.readMember('db3')).badges).toMatch(/asynchronous.*priority 200.*never promote/s)
    expect((await card.readMember('db1')).layout).toContain('plain')
    await app.snapshot('cluster-three-members')

    // Both stream from db1, and the synchronous one is asked for as named.
    const streaming = await psql('host1', "SELECT string_agg(application_name || '=' || state, ',' ORDER BY application_name) FROM pg_stat_replication")
    expect(streaming).toBe('db2=streaming,db3=streaming')
    expect(await psql('host1', 'SHOW synchronous_standby_names')).toBe('ANY 1 ("db2")')

    // --- remove db3 and its data (confirmed twice) ---------------------------------------
    const remove = await card.startRemove('db3')
    await remove.deleteData.click()
    await expect(remove.removeButton).toHaveText('Remove and delete data')
    await remove.removeButton.click()
    const confirm = app.page.getByRole('dialog', { name: 'Delete the data directory?' })
    await expect(confirm).toContainText(`Delete ${DATA_DIR} on host3`)
    await confirm.getByRole('button', { name: 'Delete it' }).click()
    const removal = card.operation('pg-remove-replica')
    await removal.expectEnded('succeeded', 60_000)
    await expect(card.memberNames).toHaveText(['db1', 'db2'])
    expect((await exec('host3', ['test', '-e', DATA_DIR])).code).not.toBe(0)
    expect(await psql('host1', "SELECT string_agg(application_name, ',') FROM pg_stat_replication")).toBe('db2')
    lap('replica db3 removed')
    await app.snapshot('cluster-after-remove')

    // After a reload the page reads it all again.
    await app.page.reload()
    await expect(clusters.cluster(CLUSTER).memberNames).toHaveText(['db1', 'db2'])
    await expect(clusters.cluster(CLUSTER).operation('pg-remove-replica').root).toHaveAttribute('data-status', 'succeeded')

    // Forgetting the cluster offers to clean its hosts, now used by no cluster: the Hosts screen opens their Prepare dialogs.
    const offer = await clusters.cluster(CLUSTER).forget()
    await expect(offer).toContainText('No other cluster uses host1, host2 now')
    await offer.getByRole('button', { name: 'Clean them one by one…' }).click()
    const prepare = new PrepareDialog(app.page)
    await expect(prepare.root).toBeVisible()
    await expect(prepare.root).toContainText('Prepare host1')
    await expect(prepare.cleanButton).toBeVisible()
    expect(await psql('host1', 'SELECT 1')).toBe('1') // nothing changed on the servers
  } finally {
    release()
  }
})

test('adopt: a running Debian cluster is found on the host and prefills the wizard; its plan raises settings instead of initialising', async ({ app }) => {
  const [host1] = labHosts(lab, 1) as [LabHost]
  const release = await lockLabHosts('clusters-lab: adopt plan')
  const debian = { name: 'adoptme', port: 5433 }
  try {
    const made = await createDebianCluster(host1.name, { ...debian, start: true }, { lab })
    await addTrusted(app, [host1])
    const clusters = new ClustersPage(app.page)
    const wizard = await clusters.startCreate()
    await wizard.pickHost(host1.name)
    const instance = wizard.detection.locator('[data-testid="detection-instance"][data-port="5433"]')
    await expect(instance).toContainText(made.dataDir)
    await expect(instance).toContainText('primary · Debian cluster 15/adoptme')

    await wizard.root.getByTestId('create-mode').getByText('Adopt a running PostgreSQL').click()
    // The only running primary is picked at once; with others (db1 of the test before) pick it.
    if ((await instance.getAttribute('data-picked')) !== 'true') await instance.getByText('port 5433').click()
    await expect(instance).toHaveAttribute('data-picked', 'true')
    await app.snapshot('create-cluster-adopt')
    await wizard.next()
    await wizard.clusterId.fill('adopted')
    // The instance's own placement, not editable here.
    await expect(wizard.field('port')).toHaveValue('5433')
    await expect(wizard.field('port')).toBeDisabled()
    await expect(wizard.field('dataDir')).toHaveValue(made.dataDir)
    await expect(wizard.field('debianName')).toHaveValue('adoptme')
    await wizard.showPlan()
    await expect(wizard.plan.title).toHaveText('Adopt cluster adopted: primary host1 on host1')
    expect((await wizard.plan.read()).map((s) => s.id)).toEqual(['preflight', 'settings', 'restart', 'access'])
  } finally {
    await exec(host1.name, ['pg_dropcluster', '--stop', lab.pgVersion, debian.name], { lab })
    release()
  }
})
