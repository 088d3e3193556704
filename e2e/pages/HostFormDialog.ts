// The Add host / Edit host dialog.
import { expect, type Locator, type Page } from '@playwright/test'

export type HostFormField = 'name' | 'address' | 'port' | 'user'

export interface HostFields {
  name?: string
  address?: string
  port?: string | number
  user?: string
}

const labels: Record<HostFormField, string> = { name: 'Name', address: 'Address', port: 'SSH port', user: 'SSH user' }

export class HostFormDialog {
  readonly root: Locator
  readonly submitButton: Locator
  readonly cancelButton: Locator
  readonly message: Locator

  constructor(readonly page: Page) {
    this.root = page.getByRole('dialog').filter({ has: page.getByTestId('host-form-submit') })
    this.submitButton = this.root.getByTestId('host-form-submit')
    this.cancelButton = this.root.getByRole('button', { name: 'Cancel' })
    this.message = this.root.getByTestId('host-form-message')
  }

  field(field: HostFormField): Locator {
    return this.root.getByLabel(labels[field], { exact: true })
  }

  error(field: HostFormField): Locator {
    return this.root.getByTestId(`host-form-${field}-error`)
  }

  async fill(fields: HostFields): Promise<void> {
    for (const [field, value] of Object.entries(fields) as [HostFormField, string | number | undefined][]) {
      if (value === undefined) continue
      await this.field(field).fill(String(value))
    }
  }

  async submit(): Promise<void> {
    await this.submitButton.click()
  }

  /** Submits and waits until the dialog has closed (the save went through). */
  async save(): Promise<void> {
    await this.submit()
    await expect(this.root).toBeHidden()
  }
}
