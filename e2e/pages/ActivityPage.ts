// The Activity screen: the log of remote commands, newest first, with a host filter; routine
// repeats folded into one row each (with their count) unless "Show every entry" is on.
import { expect, type Locator, type Page } from '@playwright/test'
import { EmptyScreenPage } from './EmptyScreenPage'

export interface ActivityRow {
  host: string
  command: string
  duration: string
  result: string
}

export class ActivityPage extends EmptyScreenPage {
  readonly table: Locator
  readonly rows: Locator
  readonly commands: Locator
  readonly summary: Locator
  readonly hostFilter: Locator
  /** The "×N since …" of rows that stand for routine repeats (data-count). */
  readonly repeats: Locator
  readonly folded: Locator
  readonly showEvery: Locator
  /** "Show the whole command (N lines)" under a long script shown by its first lines. */
  readonly commandToggles: Locator

  constructor(page: Page) {
    super(page, 'activity')
    this.table = page.getByTestId('activity-table')
    this.rows = this.table.locator('tbody tr').filter({ has: page.getByTestId('activity-command') })
    this.commands = this.table.getByTestId('activity-command')
    this.summary = page.getByTestId('activity-summary')
    this.hostFilter = page.getByTestId('activity-host-filter')
    this.repeats = this.table.getByTestId('activity-repeats')
    this.folded = page.getByTestId('activity-folded')
    this.showEvery = page.getByTestId('activity-show-every')
    this.commandToggles = this.table.getByTestId('activity-command-toggle')
  }

  override async open(): Promise<void> {
    await super.open()
    await expect(this.summary).toHaveText(/\d+ commands?/) // loaded
  }

  /** Rows whose command line contains `text`. */
  rowsWith(text: string): Locator {
    return this.rows.filter({ has: this.page.getByTestId('activity-command').getByText(text) })
  }

  async readRow(row: Locator): Promise<ActivityRow> {
    const text = async (id: string) => (await row.getByTestId(id).innerText()).trim()
    return {
      host: (await row.getByTestId('activity-host').getAttribute('data-label')) ?? '',
      command: await text('activity-command'),
      duration: await text('activity-duration'),
      result: await text('activity-result'),
    }
  }

  /** Picks a host in the filter by the label shown (record name and connection). */
  async filterHost(label: string): Promise<void> {
    await this.hostFilter.click()
    await this.page.getByRole('option', { name: label }).click()
  }

  async clearFilter(): Promise<void> {
    await this.hostFilter.hover()
    await this.hostFilter.locator('.el-select__clear').click()
  }
}
