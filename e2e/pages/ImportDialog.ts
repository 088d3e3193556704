// "Import from SSH config": the hosts of ~/.ssh/config, each one a start for a host record.
import { expect, type Locator, type Page } from '@playwright/test'

export class ImportDialog {
  readonly root: Locator
  readonly aliases: Locator

  constructor(readonly page: Page) {
    this.root = page.getByRole('dialog', { name: 'Import from SSH config' })
    this.aliases = this.root.getByTestId('import-alias')
  }

  row(alias: string): Locator {
    return this.root.locator('tbody tr').filter({ has: this.page.getByTestId('import-alias').getByText(alias, { exact: true }) })
  }

  problem(alias: string): Locator {
    return this.row(alias).getByTestId('import-problem')
  }

  importButton(alias: string): Locator {
    return this.root.getByRole('button', { name: `Import ${alias}`, exact: true })
  }

  /** Picks an entry; the import dialog closes and the Add host form opens, filled in. */
  async pick(alias: string): Promise<void> {
    await this.importButton(alias).click()
    await expect(this.root).toBeHidden()
  }
}
