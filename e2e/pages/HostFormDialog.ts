// The Add host / Edit host dialog.
import { expect, type Locator, type Page } from '@playwright/test'

export type HostFormField = 'name' | 'address' | 'port' | 'user' | 'jump' | 'identityFile'

export interface HostFields {
  name?: string
  address?: string
  port?: string | number
  user?: string
  /** The name of another host record; '' for none. */
  jump?: string
  identityFile?: string
  /** The "Log in with a password" switch. */
  usePassword?: boolean
}

const labels: Record<HostFormField, string> = {
  name: 'Name',
  address: 'Address',
  port: 'SSH port',
  user: 'SSH user',
  jump: 'Jump host',
  identityFile: 'Identity file',
}

export class HostFormDialog {
  readonly root: Locator
  readonly submitButton: Locator
  readonly submitAndTestButton: Locator
  readonly cancelButton: Locator
  readonly message: Locator
  readonly notes: Locator

  constructor(readonly page: Page) {
    this.root = page.getByRole('dialog').filter({ has: page.getByTestId('host-form-submit') })
    this.submitButton = this.root.getByTestId('host-form-submit')
    this.submitAndTestButton = this.root.getByTestId('host-form-submit-test')
    this.cancelButton = this.root.getByRole('button', { name: 'Cancel' })
    this.message = this.root.getByTestId('host-form-message')
    this.notes = this.root.getByTestId('host-form-note')
  }

  field(field: HostFormField): Locator {
    return this.root.getByLabel(labels[field], { exact: true })
  }

  /** The jump host select (its text shows the picked record, or the placeholder). */
  get jumpSelect(): Locator {
    return this.root.getByTestId('host-form-jump')
  }

  error(field: HostFormField): Locator {
    return this.root.getByTestId(`host-form-${field}-error`)
  }

  async fill(fields: HostFields): Promise<void> {
    const { usePassword, ...text } = fields
    if (usePassword !== undefined) await this.setUsePassword(usePassword)
    for (const [field, value] of Object.entries(text) as [HostFormField, string | number | undefined][]) {
      if (value === undefined) continue
      if (field === 'jump') await this.pickJump(String(value))
      else await this.field(field).fill(String(value))
    }
  }

  get usePasswordSwitch(): Locator {
    return this.root.getByTestId('host-form-usePassword').getByRole('switch')
  }

  async setUsePassword(on: boolean): Promise<void> {
    if ((await this.usePasswordSwitch.isChecked()) !== on) await this.root.getByTestId('host-form-usePassword').click()
    if (on) await expect(this.usePasswordSwitch).toBeChecked()
    else await expect(this.usePasswordSwitch).not.toBeChecked()
  }

  async pickJump(name: string): Promise<void> {
    if (name === '') {
      await this.jumpSelect.hover()
      await this.jumpSelect.locator('.el-select__clear').click()
      return
    }
    await this.jumpSelect.click()
    await this.page.getByRole('option', { name, exact: true }).click()
    await expect(this.jumpSelect).toContainText(name)
  }

  async submit(): Promise<void> {
    await this.submitButton.click()
  }

  /** Submits and waits until the dialog has closed (the save went through). */
  async save(): Promise<void> {
    await this.submit()
    await expect(this.root).toBeHidden()
  }

  /** "Add and test connection" / "Save and test"; waits until the dialog has closed. */
  async saveAndTest(): Promise<void> {
    await this.submitAndTestButton.click()
    await expect(this.root).toBeHidden()
  }
}
