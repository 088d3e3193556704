// Import from ~/.ssh/config: the entries are listed with their problems, and picking one fills
// in the Add host form (jump host included when it is a record). No server is contacted.
import { expect, test } from '../fixtures/app'
import { HostsPage } from '../pages/HostsPage'

const config = `# written by the test
Host pi1
  HostName 192.0.2.10
  User pi
  Port 2222
  IdentityFile ~/.ssh/id_pi

Host legacy
  HostName 192.0.2.11
  User admin
  ProxyCommand nc %h %p

Host db-behind
  HostName 192.0.2.12
  User postgres
  ProxyJump pi1

Host *
  ServerAliveInterval 10
`

test('entries of the SSH config fill in the Add host form; problems are shown and cannot be imported', async ({ app, sshFiles }) => {
  sshFiles.writeConfig(config)
  const hosts = new HostsPage(app.page)
  await hosts.open()
  await hosts.shell.expectConnected()

  await hosts.importButton.click()
  const dialog = hosts.importDialog
  await expect(dialog.root).toBeVisible()
  await expect(dialog.aliases).toHaveText(['pi1', 'legacy', 'db-behind']) // no patterns
  await expect(dialog.problem('legacy')).toContainText('ProxyCommand')
  await expect(dialog.importButton('legacy')).toBeDisabled()
  await expect(dialog.row('pi1')).toContainText('pi@192.0.2.10:2222')
  await expect(dialog.row('db-behind')).toContainText('via pi1')
  await app.snapshot('import-ssh-config')

  await dialog.pick('pi1')
  const form = hosts.form
  await expect(form.root).toBeVisible()
  await expect(form.field('name')).toHaveValue('pi1')
  await expect(form.field('address')).toHaveValue('192.0.2.10')
  await expect(form.field('port')).toHaveValue('2222')
  await expect(form.field('user')).toHaveValue('pi')
  await expect(form.field('identityFile')).toHaveValue(/\/\.ssh\/id_pi$/)
  await expect(form.notes).toHaveCount(0)
  await form.save() // adding does not connect: "Add host" only saves the record
  await expect(hosts.connection('pi1')).toHaveAttribute('data-state', 'idle')
  await expect(hosts.connectionLabel('pi1')).toHaveText('Not connected')
  await expect(hosts.system('pi1').all).toHaveText('Not tested yet')

  // Its jump host is a record now: the form picks it.
  await hosts.importButton.click()
  await expect(dialog.row('pi1')).toContainText('Already a host record')
  await dialog.pick('db-behind')
  await expect(form.field('name')).toHaveValue('db-behind')
  await expect(form.jumpSelect).toContainText('pi1')
  await form.save()
  await expect(hosts.row('db-behind').getByTestId('host-jump')).toHaveText('via pi1')
})

test('an SSH config entry whose jump host is not a record says so in the form', async ({ app, sshFiles }) => {
  sshFiles.writeConfig(config)
  const hosts = new HostsPage(app.page)
  await hosts.open()
  await hosts.importButton.click()
  await hosts.importDialog.pick('db-behind')
  await expect(hosts.form.notes).toContainText('import or add pi1 first')
  await expect(hosts.form.jumpSelect).not.toContainText('pi1')
})

test('the jump host is picked among the other records, and cannot be the host itself', async ({ app }) => {
  const hosts = new HostsPage(app.page)
  await hosts.open()
  await hosts.add({ name: 'bastion', address: '192.0.2.1', user: 'admin' })
  await hosts.addButton.click()
  await hosts.form.fill({ name: 'db1', address: '10.1.0.5', user: 'postgres', jump: 'bastion', identityFile: '~/.ssh/id_db' })
  await hosts.form.save()
  await expect(hosts.row('db1').getByTestId('host-jump')).toHaveText('via bastion')

  const form = await hosts.startEdit('bastion')
  await form.jumpSelect.click()
  // A record never jumps through itself: only the others are offered.
  await expect(app.page.getByRole('option')).toHaveText(['db1'])
  await app.page.keyboard.press('Escape')
  await form.cancelButton.click()

  const edit = await hosts.startEdit('db1')
  await expect(edit.field('identityFile')).toHaveValue('~/.ssh/id_db')
  await expect(edit.jumpSelect).toContainText('bastion')
})
