// Host records through the UI: add, validate, edit, remove, and live updates from elsewhere.
import { expect, test } from '../fixtures/app'
import { HostsPage } from '../pages/HostsPage'

test.describe('Hosts', () => {
  let hosts: HostsPage

  test.beforeEach(async ({ app }) => {
    hosts = new HostsPage(app.page)
    await hosts.open()
    await hosts.shell.expectConnected()
  })

  test('a host added in the UI is still there after a reload', async ({ app }) => {
    await expect(hosts.empty).toContainText('No hosts yet')
    await hosts.add({ name: 'db1', address: '192.168.1.20', port: 2222, user: 'admin' })
    expect(await hosts.readRow('db1')).toEqual({ name: 'db1', address: '192.168.1.20', port: '2222', user: 'admin' })
    await expect(hosts.summary).toHaveText('1 host')
    await app.snapshot('hosts-list')

    await app.page.reload()
    await expect(hosts.shell.heading).toHaveText('Hosts') // the screen survives the reload too
    await expect(hosts.summary).toHaveText('1 host')
    expect(await hosts.readRow('db1')).toEqual({ name: 'db1', address: '192.168.1.20', port: '2222', user: 'admin' })
  })

  test('an invalid port is shown inline and nothing is saved', async ({ app }) => {
    await hosts.addButton.click()
    const form = hosts.form
    await form.fill({ name: 'db2', address: 'db2.lan', user: 'postgres', port: '70000' })
    await form.field('port').blur()
    await expect(form.error('port')).toHaveText('Port must be between 1 and 65535')
    await expect(form.field('port')).toHaveAttribute('aria-invalid', 'true')
    await app.snapshot('host-form-invalid-port')

    await form.submit()
    await expect(form.root).toBeVisible()
    await expect(form.error('port')).toHaveText('Port must be between 1 and 65535')

    await form.field('port').fill('ssh')
    await expect(form.error('port')).toHaveText('Port must be a number')
    await form.field('port').fill('0')
    await expect(form.error('port')).toHaveText('Port must be between 1 and 65535')

    await form.field('port').fill('22')
    await expect(form.error('port')).toBeHidden()
    await expect(form.field('port')).toHaveAttribute('aria-invalid', 'false')
    await form.field('port').press('Enter') // Enter submits from any field
    await expect(form.root).toBeHidden()
    await expect(hosts.row('db2')).toBeVisible()
    expect((await hosts.readRow('db2')).port).toBe('22')
  })

  test('other fields are checked inline with the shared rules', async () => {
    await hosts.addButton.click()
    const form = hosts.form
    await form.submit() // all empty
    await expect(form.error('name')).toContainText('Use 1–63 letters')
    await expect(form.error('address')).toHaveText('Address is required')
    await expect(form.error('user')).toContainText('Not a valid user name')
    await expect(form.error('port')).toBeHidden() // prefilled with 22

    await form.fill({ name: 'web 1', address: 'db;rm -rf', user: 'admin' })
    await expect(form.error('name')).toContainText('Use 1–63 letters')
    await expect(form.error('address')).toHaveText('Not a valid host name or IP address')
    await expect(form.error('user')).toBeHidden()

    await form.fill({ name: 'web1', address: 'fe80::1' })
    await expect(form.error('name')).toBeHidden()
    await expect(form.error('address')).toBeHidden()
    await form.save()
    await expect(hosts.row('web1')).toBeVisible()
  })

  test('a name that is taken is refused by the core and shown on the name field', async () => {
    await hosts.add({ name: 'db1', address: '10.0.0.1', user: 'admin' })
    await hosts.addButton.click()
    await hosts.form.fill({ name: 'db1', address: '10.0.0.2', user: 'admin' })
    await hosts.form.submit()
    await expect(hosts.form.error('name')).toContainText('A host named "db1" exists already')
    await expect(hosts.form.root).toBeVisible()

    await hosts.form.field('name').fill('db2') // typing clears the core's complaint
    await expect(hosts.form.error('name')).toBeHidden()
    await hosts.form.save()
    await expect(hosts.names).toHaveText(['db1', 'db2'])
  })

  test('edit changes a host, including its name', async ({ app }) => {
    await hosts.add({ name: 'db1', address: '10.0.0.1', user: 'admin' })
    await hosts.add({ name: 'db2', address: '10.0.0.2', user: 'admin' })

    await app.page.getByRole('button', { name: 'Edit db1', exact: true }).hover()
    await expect(app.page.getByRole('tooltip', { name: 'Edit' })).toBeVisible()
    const form = await hosts.startEdit('db1')
    await expect(form.field('name')).toHaveValue('db1')
    await expect(form.field('port')).toHaveValue('22')
    await form.fill({ name: 'db2' })
    await form.submit()
    await expect(form.error('name')).toContainText('exists already') // renaming onto another host
    await form.fill({ name: 'primary', address: 'pg1.lan', port: 2200, user: 'postgres' })
    await app.snapshot('host-form-edit')
    await form.save()

    await expect(hosts.row('db1')).toHaveCount(0)
    expect(await hosts.readRow('primary')).toEqual({ name: 'primary', address: 'pg1.lan', port: '2200', user: 'postgres' })
    await app.page.reload()
    await expect(hosts.names).toHaveText(['db2', 'primary'])
  })

  test('remove asks first, then removes the host record', async ({ app }) => {
    await hosts.add({ name: 'db1', address: '10.0.0.1', user: 'admin' })
    await hosts.add({ name: 'db2', address: '10.0.0.2', user: 'admin' })

    let confirm = await hosts.startRemove('db1')
    await expect(confirm).toContainText('db1')
    await app.snapshot('host-remove-confirm')
    await confirm.getByRole('button', { name: 'Cancel' }).click()
    await expect(confirm).toBeHidden()
    await expect(hosts.names).toHaveText(['db1', 'db2'])

    confirm = await hosts.startRemove('db1')
    await confirm.getByRole('button', { name: 'Remove', exact: true }).click()
    await expect(hosts.names).toHaveText(['db2'])
    await app.page.reload()
    await expect(hosts.names).toHaveText(['db2'])
  })

  test('a host added by another client (the CLI) shows up without a reload', async ({ app }) => {
    await expect(hosts.summary).toHaveText('0 hosts')
    await app.cliAddHost({ name: 'from-cli', address: '10.9.9.9', port: 2022, user: 'ops' })
    await expect(hosts.row('from-cli')).toBeVisible()
    expect(await hosts.readRow('from-cli')).toEqual({ name: 'from-cli', address: '10.9.9.9', port: '2022', user: 'ops' })
    await expect(hosts.summary).toHaveText('1 host')
  })
})

test.describe('Hosts in two browser tabs', () => {
  test.skip(({ appKind }) => appKind === 'electron', 'The desktop app has one window; the CLI test covers other clients there.')

  test('a change made in one tab shows up in the other', async ({ app }) => {
    const first = new HostsPage(app.page)
    await first.open()
    const secondPage = await app.page.context().newPage()
    await secondPage.goto(app.server!.origin) // the cookie from the first visit lets it in
    const second = new HostsPage(secondPage)
    await second.open()
    await second.shell.expectConnected()

    await second.add({ name: 'tab2-host', address: '10.0.0.7', user: 'admin' })
    await expect(first.row('tab2-host')).toBeVisible()

    await first.remove('tab2-host')
    await expect(second.row('tab2-host')).toHaveCount(0)
    await expect(second.empty).toContainText('No hosts yet')
  })
})
