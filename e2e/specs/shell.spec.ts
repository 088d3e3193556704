// The window: navigation, the empty screens and what they promise, the instance's facts.
import { expect, test } from '../fixtures/app'
import { ActivityPage } from '../pages/ActivityPage'
import { AppShell } from '../pages/AppShell'
import { ClustersPage } from '../pages/ClustersPage'
import { HostsPage } from '../pages/HostsPage'
import { OperationsPage } from '../pages/OperationsPage'

test('the sidebar switches screens; the empty Clusters, Operations and Activity screens say what they hold', async ({ app }) => {
  const shell = new AppShell(app.page)
  await shell.expectConnected()
  await expect(shell.heading).toHaveText('Clusters') // the first screen

  const clusters = new ClustersPage(app.page)
  await expect(clusters.emptyState).toContainText('No clusters yet')
  await expect(clusters.emptyState).toContainText('a PostgreSQL or MariaDB primary and its replicas')
  // Without hosts there is nothing to create a cluster on: the way there is offered first.
  await expect(clusters.emptyCreateButton).toBeDisabled()
  await app.snapshot('clusters-empty')

  const operations = new OperationsPage(app.page)
  await operations.open()
  await expect(shell.heading).toHaveText('Operations')
  await expect(operations.empty).toContainText('No operations yet')

  const activity = new ActivityPage(app.page)
  await activity.open()
  await expect(shell.heading).toHaveText('Activity')
  await expect(activity.emptyState).toContainText('remote command log')
  await app.snapshot('activity-empty')

  await clusters.open()
  await clusters.emptyState.getByRole('button', { name: 'Start by adding hosts' }).click()
  await expect(shell.heading).toHaveText('Hosts')
  await expect(new HostsPage(app.page).empty).toContainText('No hosts yet')
})

test('the sidebar shows the version and the data dir of this instance', async ({ app }) => {
  const shell = new AppShell(app.page)
  await expect(shell.appInfo).toContainText(/Version \d+\.\d+\.\d+/)
  await expect(shell.appInfo).toContainText(app.dataDir)
})
