// The host key dialog: confirm a key seen for the first time, or read why a changed one is refused.
import { expect, type Locator, type Page } from '@playwright/test'

export class HostKeyDialog {
  readonly root: Locator
  readonly host: Locator
  readonly keyType: Locator
  readonly fingerprint: Locator
  readonly checkCommand: Locator
  readonly trustButton: Locator
  readonly cancelButton: Locator
  readonly closeButton: Locator
  readonly refusal: Locator
  readonly presented: Locator
  readonly expected: Locator
  readonly fixCommand: Locator

  constructor(readonly page: Page) {
    this.root = page.getByRole('dialog').filter({ has: page.getByTestId('host-key-host') })
    this.host = this.root.getByTestId('host-key-host')
    this.keyType = this.root.getByTestId('host-key-type')
    this.fingerprint = this.root.getByTestId('host-key-fingerprint')
    this.checkCommand = this.root.getByTestId('host-key-check-command')
    this.trustButton = this.root.getByTestId('host-key-trust')
    this.cancelButton = this.root.getByTestId('host-key-cancel')
    this.closeButton = this.root.getByTestId('host-key-close')
    this.refusal = this.root.getByTestId('host-key-refusal')
    this.presented = this.root.getByTestId('host-key-presented')
    this.expected = this.root.getByTestId('host-key-expected')
    this.fixCommand = this.root.getByTestId('host-key-fix-command')
  }

  /** The dialog asks about a first contact with this host record. */
  async expectQuestion(name: string): Promise<void> {
    await expect(this.root).toBeVisible()
    await expect(this.root.getByRole('heading')).toHaveText(`Confirm the host key of ${name}`)
  }

  async trust(): Promise<void> {
    await this.trustButton.click()
    await expect(this.root).toBeHidden()
  }

  async cancel(): Promise<void> {
    await this.cancelButton.click()
    await expect(this.root).toBeHidden()
  }
}
