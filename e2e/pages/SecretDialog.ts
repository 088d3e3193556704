// The question for an SSH password or key passphrase, asked from any screen.
import { expect, type Locator, type Page } from '@playwright/test'

export class SecretDialog {
  readonly root: Locator
  readonly message: Locator
  readonly where: Locator
  readonly input: Locator
  readonly remember: Locator
  readonly rememberUnavailable: Locator
  readonly submitButton: Locator
  readonly cancelButton: Locator
  readonly error: Locator

  constructor(readonly page: Page) {
    this.root = page.getByTestId('secret-dialog')
    this.message = this.root.getByTestId('secret-message')
    this.where = this.root.getByTestId('secret-where')
    this.input = this.root.locator('input#secret-value')
    this.remember = this.root.getByTestId('secret-remember').getByRole('checkbox')
    this.rememberUnavailable = this.root.getByTestId('secret-remember-unavailable')
    this.submitButton = this.root.getByTestId('secret-submit')
    this.cancelButton = this.root.getByTestId('secret-cancel')
    this.error = this.root.getByTestId('secret-error')
  }

  /** The id of the question shown (a new question after a refused answer has a new one). */
  async questionId(): Promise<string> {
    return (await this.root.getAttribute('data-question')) ?? ''
  }

  /** Types and submits; does not wait (the core may ask again). */
  async submit(value: string): Promise<void> {
    await this.input.fill(value)
    await this.input.press('Enter')
  }

  async answer(value: string): Promise<void> {
    await this.submit(value)
    await expect(this.root).toBeHidden()
  }

  async cancel(): Promise<void> {
    await this.cancelButton.click()
    await expect(this.root).toBeHidden()
  }
}
