// The Hosts screen: the table of host records and its actions.
import { expect, type Locator, type Page } from '@playwright/test'
import { AppShell } from './AppShell'
import { HostFormDialog, type HostFields } from './HostFormDialog'
import { HostKeyDialog } from './HostKeyDialog'
import { ImportDialog } from './ImportDialog'

export interface HostRow {
  name: string
  address: string
  port: string
  user: string
}

export class HostsPage {
  readonly shell: AppShell
  readonly addButton: Locator
  readonly table: Locator
  readonly names: Locator
  readonly empty: Locator
  readonly summary: Locator
  readonly form: HostFormDialog
  readonly importButton: Locator
  readonly importDialog: ImportDialog
  readonly keyDialog: HostKeyDialog
  readonly connectedSummary: Locator

  constructor(readonly page: Page) {
    this.shell = new AppShell(page)
    this.addButton = page.getByTestId('hosts-add')
    this.table = page.getByTestId('hosts-table')
    this.names = this.table.getByTestId('host-name')
    this.empty = page.getByTestId('hosts-empty')
    this.summary = page.getByTestId('hosts-summary')
    this.form = new HostFormDialog(page)
    this.importButton = page.getByTestId('hosts-import')
    this.importDialog = new ImportDialog(page)
    this.keyDialog = new HostKeyDialog(page)
    this.connectedSummary = page.getByTestId('hosts-connected')
  }

  async open(): Promise<void> {
    await this.shell.go('hosts')
    await expect(this.summary).toHaveText(/\d+ hosts?/) // loaded
  }

  row(name: string): Locator {
    return this.table
      .locator('tbody tr')
      .filter({ has: this.page.getByTestId('host-name').getByText(name, { exact: true }) })
  }

  async readRow(name: string): Promise<HostRow> {
    const row = this.row(name)
    return {
      name: (await row.getByTestId('host-name').innerText()).trim(),
      address: (await row.getByTestId('host-address').innerText()).trim(),
      port: (await row.getByTestId('host-port').innerText()).trim(),
      user: (await row.getByTestId('host-user').innerText()).trim(),
    }
  }

  /** The live connection state of a host (attribute data-state: connected, unreachable …). */
  connection(name: string): Locator {
    return this.row(name).getByTestId('host-connection')
  }

  connectionLabel(name: string): Locator {
    return this.row(name).getByTestId('host-connection-label')
  }

  connectionDetail(name: string): Locator {
    return this.row(name).getByTestId('host-connection-detail')
  }

  /** What the last connection test found: OS, PostgreSQL and MariaDB versions, round trip. */
  system(name: string): { os: Locator; postgres: Locator; mariadb: Locator; roundTrip: Locator; error: Locator; all: Locator } {
    const row = this.row(name)
    return {
      os: row.getByTestId('host-os'),
      postgres: row.getByTestId('host-postgres'),
      mariadb: row.getByTestId('host-mariadb'),
      roundTrip: row.getByTestId('host-rtt'),
      error: row.getByTestId('host-test-error'),
      all: row.getByTestId('host-system'),
    }
  }

  testButton(name: string): Locator {
    return this.page.getByRole('button', { name: `Test connection to ${name}`, exact: true })
  }

  async test(name: string): Promise<void> {
    await this.testButton(name).click()
  }

  /** Adds through the form with "Add and test connection" (a first contact asks about the key). */
  async addAndTest(fields: HostFields): Promise<void> {
    await this.addButton.click()
    await expect(this.form.root).toBeVisible()
    await this.form.fill(fields)
    await this.form.saveAndTest()
    await expect(this.row(String(fields.name))).toBeVisible()
  }

  async add(fields: HostFields): Promise<void> {
    await this.addButton.click()
    await expect(this.form.root).toBeVisible()
    await this.form.fill(fields)
    await this.form.save()
    await expect(this.row(String(fields.name))).toBeVisible()
  }

  async startEdit(name: string): Promise<HostFormDialog> {
    await this.page.getByRole('button', { name: `Edit ${name}`, exact: true }).click()
    await expect(this.form.root).toBeVisible()
    return this.form
  }

  /** Clicks Remove; returns the confirmation box. */
  async startRemove(name: string): Promise<Locator> {
    await this.page.getByRole('button', { name: `Remove ${name}`, exact: true }).click()
    const confirm = this.page.getByRole('dialog', { name: 'Remove host' })
    await expect(confirm).toBeVisible()
    return confirm
  }

  async remove(name: string): Promise<void> {
    const confirm = await this.startRemove(name)
    await confirm.getByRole('button', { name: 'Remove', exact: true }).click()
    await expect(this.row(name)).toHaveCount(0)
  }
}
