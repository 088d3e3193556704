// Hosts against the test lab's real sshd and PostgreSQL: first contact with the fingerprint
// dialog, live connection state through a cut link and back, a changed key refused, and the
// activity log of what ran. The lab comes from the global setup (e2e/fixtures/labSetup.ts).
import { cut, heal, resetHost, type Lab, type LabHost } from '../lab'
import { expect, test, type AppUnderTest } from '../fixtures/app'
import { knownHostsLine, labHosts, requireLab, requireLabNetns } from '../fixtures/lab'
import { lockLabHosts } from '../fixtures/labLock'
import { ActivityPage } from '../pages/ActivityPage'
import { HostsPage } from '../pages/HostsPage'

// The specs share the lab's hosts and one of them cuts a link: one after another, in one worker.
test.describe.configure({ mode: 'default' })

let lab: Lab
let hosts: HostsPage
const touched = new Set<string>()

test.beforeEach(async ({ app }) => {
  lab = requireLab()
  hosts = new HostsPage(app.page)
  await hosts.open()
  await hosts.shell.expectConnected()
})

test.afterEach(async () => {
  for (const name of touched) await resetHost(name, lab)
  touched.clear()
})

/** How the dialogs write a host: the address, or [address]:port off port 22 (loopback labs). */
const where = (h: LabHost) => (h.port === 22 ? h.address : `[${h.address}]:${h.port}`)
const fields = (h: LabHost) => ({ name: h.name, address: h.address, port: h.port, user: lab.users.postgres, identityFile: lab.clientKeyPath })

/** Adds and trusts hosts through the CLI (asking the running instance), as setup for a UI check. */
async function addTrusted(app: { cli(args: string[]): Promise<{ code: number; json: unknown }> }, h: LabHost): Promise<void> {
  for (const args of [
    ['host', 'add', h.name, '--address', h.address, '--port', String(h.port), '--user', lab.users.postgres, '--identity-file', lab.clientKeyPath],
    ['host', 'trust', h.name, h.hostKeyFingerprint],
  ]) {
    const r = await app.cli(args)
    expect(r.code, `replicadesk ${args.join(' ')}: ${JSON.stringify(r.json)}`).toBe(0)
  }
}

test('three lab hosts: first contact asks for the fingerprint, then they are connected with OS, PostgreSQL and MariaDB shown', async ({ app }) => {
  // Connects to the hosts: another spec must not kill or cut them meanwhile.
  test.setTimeout(200_000)
  const release = await lockLabHosts('hosts-lab: three hosts connect')
  try {
    const three = labHosts(lab, 3)
    for (const [i, h] of three.entries()) {
      await hosts.addAndTest(fields(h))
      const dialog = hosts.keyDialog
      await dialog.expectQuestion(h.name)
      await expect(dialog.fingerprint).toHaveText(h.hostKeyFingerprint)
      await expect(dialog.host).toHaveText(where(h))
      await expect(dialog.keyType).toHaveText('ssh-ed25519')
      await expect(dialog.checkCommand).toHaveText('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub')
      await expect(dialog.root).toContainText('compare the fingerprint')

      if (i === 0) {
        await app.snapshot('host-key-confirm')
        // Cancel trusts nothing: the host stays unconfirmed, and the next test asks again.
        await dialog.cancel()
        await expect(hosts.connection(h.name)).toHaveAttribute('data-state', 'host_key_unknown')
        await expect(hosts.connectionLabel(h.name)).toHaveText('Host key not confirmed')
        await expect(hosts.system(h.name).error).toContainText('has not seen the host key')
        await hosts.test(h.name)
        await dialog.expectQuestion(h.name)
        await expect(dialog.fingerprint).toHaveText(h.hostKeyFingerprint)
      }
      await dialog.trust()
      await expect(hosts.connection(h.name)).toHaveAttribute('data-state', 'connected')
      const system = hosts.system(h.name)
      await expect(system.os).toContainText('Debian')
      await expect(system.postgres).toHaveText('PostgreSQL 15')
      await expect(system.mariadb).toHaveText(/^MariaDB 10\.11\.\d+$/)
      await expect(system.roundTrip).toHaveText(/^\d+(\.\d)? ms$/)
    }
    await expect(hosts.connectedSummary).toHaveText('3 connected')
    await app.snapshot('hosts-connected')

    // Trusted keys are kept in the data dir: after a reload the hosts are still connected (the
    // core keeps its connections; the page reads their state again).
    await app.page.reload()
    for (const h of three) await expect(hosts.connection(h.name)).toHaveAttribute('data-state', 'connected')
  } finally {
    release()
  }
})

test('a host behind a jump host: its key is confirmed through the jump, and it connects via that record', async ({ app }) => {
  // Connects to the hosts: another spec must not kill or cut them meanwhile.
  test.setTimeout(200_000)
  const release = await lockLabHosts('hosts-lab: jump host')
  try {
    const [bastion, inner] = labHosts(lab, 2) as [LabHost, LabHost]
    await hosts.addAndTest(fields(bastion))
    await hosts.keyDialog.expectQuestion(bastion.name)
    await hosts.keyDialog.trust()
    await expect(hosts.connection(bastion.name)).toHaveAttribute('data-state', 'connected')

    await hosts.addAndTest({ ...fields(inner), jump: bastion.name })
    await hosts.keyDialog.expectQuestion(inner.name)
    await expect(hosts.keyDialog.fingerprint).toHaveText(inner.hostKeyFingerprint)
    await hosts.keyDialog.trust()
    await expect(hosts.connection(inner.name)).toHaveAttribute('data-state', 'connected')
    await expect(hosts.row(inner.name).getByTestId('host-jump')).toHaveText(`via ${bastion.name}`)
    await expect(hosts.system(inner.name).postgres).toHaveText('PostgreSQL 15')

    const activity = new ActivityPage(app.page)
    await activity.open()
    const viaRows = activity.rows.filter({ hasText: `via ${lab.users.postgres}@${bastion.address}` })
    await expect(viaRows.filter({ hasText: 'cat /etc/os-release' })).toHaveCount(1)
  } finally {
    release()
  }
})

test('a cut link shows the host unreachable within 2 s; after heal it reconnects by itself', async ({ app }) => {
  requireLabNetns(lab, 'cutting a host off needs network namespaces')
  // A cut link would break another spec's work on the hosts (clusters-lab): wait for them.
  test.setTimeout(200_000)
  const release = await lockLabHosts('hosts-lab: cut link')
  try {
    await cutAndHeal(app)
  } finally {
    release()
  }
})

async function cutAndHeal(app: AppUnderTest): Promise<void> {
  const [steady, victim] = labHosts(lab, 2) as [LabHost, LabHost]
  for (const h of [steady, victim]) {
    await addTrusted(app, h)
    await hosts.test(h.name)
    await expect(hosts.connection(h.name)).toHaveAttribute('data-state', 'connected')
  }

  touched.add(victim.name)
  const cutAt = Date.now()
  await cut(victim.name, lab)
  // The core notices within ~1.6 s (keepalive 400 ms × 3 + 1); up to 3.5 s for a loaded machine.
  // Polled every 50 ms, so the time measured is the page's, not the poller's.
  const state = hosts.connection(victim.name)
  await expect.poll(() => state.getAttribute('data-state'), { intervals: [50], timeout: 3_500 }).toBe('unreachable')
  const seenMs = Date.now() - cutAt
  const since = Date.parse((await hosts.connection(victim.name).getAttribute('data-since')) ?? '')
  console.log(`cut link: the core marked ${victim.name} unreachable ${since - cutAt} ms after the cut; the page showed it after ${seenMs} ms`)
  expect(seenMs).toBeLessThan(3_500)
  await expect(hosts.connectionLabel(victim.name)).toHaveText('Unreachable')
  await expect(hosts.connectionDetail(victim.name)).toContainText(victim.address)
  await expect(hosts.connection(steady.name)).toHaveAttribute('data-state', 'connected')
  await expect(hosts.connectedSummary).toHaveText('1 connected')
  await app.snapshot('host-unreachable')

  const healAt = Date.now()
  await heal(victim.name, lab)
  await expect(hosts.connection(victim.name)).toHaveAttribute('data-state', 'connected', { timeout: 30_000 })
  console.log(`healed: ${victim.name} connected again ${Date.now() - healAt} ms after heal, without any click`)
  await expect(hosts.connectedSummary).toHaveText('2 connected')
}

test('a changed host key is refused and shows both fingerprints, with no way to trust it here', async ({ app, sshFiles }) => {
  // Connects to the hosts: another spec must not kill or cut them meanwhile.
  test.setTimeout(200_000)
  const release = await lockLabHosts('hosts-lab: changed key')
  try {
    const [first, second] = labHosts(lab, 2) as [LabHost, LabHost]
    // known_hosts says the second host's address has the first host's key: the real key differs.
    sshFiles.writeKnownHosts([knownHostsLine(second, first.hostKeyPublic)])
    await hosts.add(fields(second))
    await hosts.test(second.name)

    const dialog = hosts.keyDialog
    await expect(dialog.root).toBeVisible()
    await expect(dialog.root.getByRole('heading')).toHaveText(`Host key of ${second.name} has changed`)
    await expect(dialog.refusal).toContainText(`refuses to connect to ${second.name}`)
    await expect(dialog.presented).toContainText(second.hostKeyFingerprint)
    await expect(dialog.expected).toHaveCount(1)
    await expect(dialog.expected).toContainText(first.hostKeyFingerprint)
    await expect(dialog.expected).toContainText(`${sshFiles.knownHosts}:1`)
    await expect(dialog.fixCommand).toHaveText(`ssh-keygen -R ${where(second)} -f ${sshFiles.knownHosts}`)
    await expect(dialog.trustButton).toHaveCount(0)
    await app.snapshot('host-key-changed')
    await dialog.closeButton.click()
    await expect(dialog.root).toBeHidden()

    await expect(hosts.connection(second.name)).toHaveAttribute('data-state', 'host_key_changed')
    await expect(hosts.connectionDetail(second.name)).toContainText('CHANGED')
    // Nothing was trusted on the way: the host is still refused.
    const trust = await app.cli(['host', 'trust', second.name, second.hostKeyFingerprint])
    expect(trust.code).toBe(1)
    await hosts.test(second.name)
    await expect(dialog.refusal).toBeVisible()
  } finally {
    release()
  }
})

test('the Activity screen lists the commands the tests ran, live, and filters by host', async ({ app }) => {
  // Connects to the hosts: another spec must not kill or cut them meanwhile.
  test.setTimeout(200_000)
  const release = await lockLabHosts('hosts-lab: activity')
  try {
    const [one, two] = labHosts(lab, 2) as [LabHost, LabHost]
    for (const h of [one, two]) {
      await addTrusted(app, h)
      await hosts.test(h.name)
      await expect(hosts.connection(h.name)).toHaveAttribute('data-state', 'connected')
    }

    const activity = new ActivityPage(app.page)
    await activity.open()
    const label = (h: LabHost) => `${lab.users.postgres}@${h.address}${h.port === 22 ? '' : `:${h.port}`}`
    const osRelease = activity.rowsWith('cat /etc/os-release')
    await expect(osRelease).toHaveCount(2)
    // Newest first: host two was tested last (other rows, e.g. the prepare checks the Hosts screen reads, may come after it).
    const newest = await activity.readRow(osRelease.first())
    expect(newest.host).toBe(label(two))
    const row = await activity.readRow(osRelease.first())
    expect(row).toMatchObject({ command: 'cat /etc/os-release', result: 'exit 0' })
    expect(row.duration).toMatch(/ms|s$/)
    await expect(activity.table).toContainText(`${one.name}`)

    await activity.filterHost(`${one.name} (${label(one)})`)
    await expect(activity.summary).toContainText(`on ${one.name}`)
    await expect(osRelease).toHaveCount(1)
    for (const r of await activity.rows.all()) expect((await activity.readRow(r)).host).toBe(label(one))
    await app.snapshot('activity-filtered')

    // Live: a test run from elsewhere (the CLI asks this instance) shows up without a reload.
    const before = await activity.rows.count()
    const test = await app.cli(['host', 'test', one.name])
    expect(test.code).toBe(0)
    await expect(osRelease).toHaveCount(2)
    expect(await activity.rows.count()).toBeGreaterThan(before)

    await activity.clearFilter()
    await expect(osRelease).toHaveCount(3)
    await app.snapshot('activity-log')
  } finally {
    release()
  }
})
