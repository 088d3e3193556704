// Screens that show an empty state for now: what will come, and nothing else.
import type { Locator, Page } from '@playwright/test'
import { AppShell, type Screen } from './AppShell'

export class EmptyScreenPage {
  readonly shell: AppShell
  readonly emptyState: Locator

  constructor(
    readonly page: Page,
    readonly screen: Screen,
  ) {
    this.shell = new AppShell(page)
    this.emptyState = page.getByTestId(`${screen}-empty`)
  }

  async open(): Promise<void> {
    await this.shell.go(this.screen)
  }
}
