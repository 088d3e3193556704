// The Prepare wizard of one host (Hosts screen): the login choice, the checks, the install and
// sudo-rule plans and runs, and Clean.
import { expect, type Locator, type Page } from '@playwright/test'

export class PrepareDialog {
  readonly root: Locator
  readonly loginChoice: Locator
  readonly verdict: Locator
  readonly installButton: Locator
  readonly sudoRuleButton: Locator
  readonly sudoRuleLines: Locator
  readonly cleanButton: Locator
  readonly runButton: Locator
  readonly backButton: Locator
  readonly removeButton: Locator
  readonly plan: Locator
  readonly operation: Locator
  readonly left: Locator
  readonly cleaned: Locator
  readonly problem: Locator

  constructor(readonly page: Page) {
    this.root = page.getByTestId('prepare-host')
    this.loginChoice = this.root.getByTestId('login-choice')
    this.verdict = this.root.getByTestId('prepare-verdict')
    this.installButton = this.root.getByTestId('prepare-install')
    this.sudoRuleButton = this.root.getByTestId('prepare-sudo-rule')
    this.sudoRuleLines = this.root.getByTestId('prepare-sudo-rule-lines')
    this.cleanButton = this.root.getByTestId('prepare-clean')
    this.runButton = this.root.getByTestId('prepare-run')
    this.backButton = this.root.getByTestId('prepare-back')
    this.removeButton = this.root.getByTestId('prepare-remove')
    this.plan = this.root.getByTestId('plan')
    this.operation = this.root.getByTestId('prepare-operation')
    this.left = this.root.getByTestId('prepare-left')
    this.cleaned = this.root.getByTestId('prepare-cleaned')
    this.problem = this.root.getByTestId('prepare-problem')
  }

  /** Opens the wizard from the host's row and waits for its checks. */
  async open(hostRow: Locator, name: string): Promise<void> {
    await hostRow.getByRole('button', { name: `Prepare ${name}` }).click()
    await expect(this.root).toBeVisible()
    await expect(this.verdict).toBeVisible({ timeout: 30_000 })
  }

  check(id: string): Locator {
    return this.root.locator(`[data-testid="prepare-check"][data-check="${id}"]`)
  }

  /** Runs the plan shown, waits for the operation to succeed, then goes back to the (re-read) checks. */
  async runAndReturn(): Promise<void> {
    await this.runButton.click()
    await expect(this.operation).toHaveAttribute('data-status', 'succeeded', { timeout: 90_000 })
    await this.backButton.click()
    await expect(this.verdict).toBeVisible()
  }
}
