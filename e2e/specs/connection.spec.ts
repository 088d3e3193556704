// Headless mode: the page says when it loses the server and gets back by itself.
import { expect, test } from '../fixtures/app'
import { disconnectedTitle } from '../pages/AppShell'
import { HostsPage } from '../pages/HostsPage'

test.describe('Connection to the headless server', () => {
  test.skip(({ appKind }) => appKind === 'electron', 'The desktop window talks to the core over IPC: there is no server to lose.')

  test('shows the disconnected banner while the server is down, then recovers and refreshes', async ({ app }) => {
    const server = app.server!
    const hosts = new HostsPage(app.page)
    await hosts.open()
    await hosts.shell.expectConnected()
    await hosts.add({ name: 'alpha', address: '10.0.0.1', user: 'admin' })

    await server.stop()
    await expect(hosts.shell.bannerTitle).toHaveText(disconnectedTitle)
    await expect(hosts.shell.connectionBadge).toHaveAttribute('data-state', 'reconnecting')
    await expect(hosts.row('alpha')).toBeVisible() // what it knew stays on screen
    await app.snapshot('disconnected-banner')

    // While no instance runs, the CLI changes the data dir by itself: the page cannot hear of
    // it, so it must reload the list when it is back.
    await app.cliAddHost({ name: 'beta', address: '10.0.0.2', user: 'admin' })

    const oldToken = server.token
    await server.startAgain()
    expect(server.port).toBeGreaterThan(0)
    if (server.token !== oldToken) {
      // A new process has a new token, so the page's cookie is refused: the banner says so, and
      // opening the new link (here in another tab, as a user would) lets this page back in.
      await expect(hosts.shell.banner).toContainText('new access token', { timeout: 15_000 })
      const tab = await app.page.context().newPage()
      await tab.goto(server.url)
      await tab.close()
    }

    await expect(hosts.shell.banner).toBeHidden({ timeout: 15_000 })
    await hosts.shell.expectConnected()
    await expect(hosts.names).toHaveText(['alpha', 'beta'])

    // And the new socket carries events again.
    await app.cliAddHost({ name: 'gamma', address: '10.0.0.3', user: 'admin' })
    await expect(hosts.names).toHaveText(['alpha', 'beta', 'gamma'])
  })

  test('a call that fails because the server is gone says so in the form', async ({ app }) => {
    const hosts = new HostsPage(app.page)
    await hosts.open()
    await hosts.shell.expectConnected()
    await hosts.addButton.click()
    await hosts.form.fill({ name: 'late', address: '10.0.0.9', user: 'admin' })
    await app.server!.stop()
    await expect(hosts.shell.banner).toBeVisible()
    await hosts.form.submit()
    await expect(hosts.form.message).toContainText('Not connected to ReplicaDesk')
    await expect(hosts.form.root).toBeVisible() // nothing lost: the user can try again later
  })
})
