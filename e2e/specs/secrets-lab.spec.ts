// A host that logs in with a password, against the lab's real sshd: the page asks for the
// password when the core connects, says why it cannot remember it here (no OS keychain in
// headless mode), and a wrong one is refused and asked again on the next try.
import { type Lab, type LabHost } from '../lab'
import { expect, test } from '../fixtures/app'
import { labHosts, requireLab } from '../fixtures/lab'
import { HostsPage } from '../pages/HostsPage'
import { SecretDialog } from '../pages/SecretDialog'

let lab: Lab

test.beforeEach(() => {
  lab = requireLab()
})

test('a password login asks in the page; a wrong password is refused, the right one connects', async ({ app }) => {
  const [, , h] = labHosts(lab, 3) as [LabHost, LabHost, LabHost]
  const hosts = new HostsPage(app.page)
  await hosts.open()
  await hosts.shell.expectConnected()

  await hosts.addButton.click()
  await hosts.form.fill({ name: 'pw-host', address: h.address, port: h.port, user: lab.users.admin })
  await hosts.form.setUsePassword(true)
  await expect(hosts.form.field('identityFile')).toBeHidden() // keys are not tried
  await hosts.form.save()
  // The host key is confirmed beforehand (hosts-lab.spec covers that dialog): the core asks
  // for the password before it connects, so on a first contact the password comes first.
  const trust = await app.cli(['host', 'trust', 'pw-host', h.hostKeyFingerprint])
  expect(trust.code, JSON.stringify(trust.json)).toBe(0)
  await hosts.test('pw-host')

  const secret = new SecretDialog(app.page)
  await expect(secret.root).toBeVisible()
  await expect(secret.root).toHaveAttribute('data-kind', 'password')
  await expect(secret.where).toHaveText(`${lab.users.admin}@${h.address}${h.port === 22 ? '' : `:${h.port}`}`)
  await expect(secret.message).toContainText('Password for')
  // The headless server has no OS keychain: the box is off and the page says why.
  await expect(secret.remember).toBeDisabled()
  await expect(secret.rememberUnavailable).not.toBeEmpty()
  await app.snapshot('secret-password')

  // A wrong password: refused, said on the host; the next test asks again (a new question).
  const first = await secret.questionId()
  await secret.answer('not-the-password')
  await expect(hosts.connection('pw-host')).toHaveAttribute('data-state', 'auth_failed')
  await expect(hosts.system('pw-host').error).toContainText('Tried: password')
  await hosts.test('pw-host')
  await expect(secret.root).toHaveAttribute('data-question', /.+/)
  expect(await secret.questionId()).not.toBe(first)
  await expect(secret.input).toHaveValue('') // a new question starts empty
  await secret.answer(lab.adminPassword)
  await expect(hosts.connection('pw-host')).toHaveAttribute('data-state', 'connected')
  await expect(hosts.system('pw-host').os).toContainText('Debian')

  // Saved as a password login: the edit form shows it so.
  const form = await hosts.startEdit('pw-host')
  await expect(form.usePasswordSwitch).toBeChecked()
})
