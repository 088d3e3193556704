// Automatic failover on a cluster card (Patroni + etcd): the switch, the plan dialog it opens
// (hand over or take back, confirmed after the plan), and the manager's view the card shows
// while handed over (leader, etcd health, the members in Patroni's words, why it cannot act).
import { expect, type Locator, type Page } from '@playwright/test'
import { PlanPanel } from './PlanPanel'

export class AutomaticFailoverDialog {
  readonly root: Locator
  readonly lead: Locator
  readonly problem: Locator
  readonly plan: PlanPanel
  readonly confirmButton: Locator
  readonly cancelButton: Locator

  constructor(page: Page) {
    this.root = page.getByTestId('automatic-dialog')
    this.lead = this.root.getByTestId('automatic-lead')
    this.problem = this.root.getByTestId('automatic-problem')
    this.plan = new PlanPanel(this.root)
    this.confirmButton = this.root.getByTestId('automatic-confirm')
    this.cancelButton = this.root.getByTestId('automatic-cancel')
  }

  /** The plan is shown (or the core's refusal, which fails here with its text). */
  async waitPlanned(timeout = 30_000): Promise<void> {
    await expect(this.root).toHaveAttribute('data-state', /planned|problem/, { timeout })
    if ((await this.root.getAttribute('data-state')) === 'problem') throw new Error(`the plan was refused: ${await this.problem.innerText()}`)
  }

  async confirm(): Promise<void> {
    await this.confirmButton.click()
    await expect(this.root).toBeHidden({ timeout: 15_000 })
  }
}

export class AutomaticFailoverCard {
  readonly switch: Locator
  /** "automatic failover (Patroni)" in the card's header, once handed over. */
  readonly label: Locator
  readonly status: Locator
  readonly leader: Locator
  /** "etcd 3/3"; data-up and data-voters carry the numbers. */
  readonly store: Locator
  readonly storeLeader: Locator
  readonly members: Locator
  readonly blocker: Locator
  readonly error: Locator

  constructor(
    readonly page: Page,
    readonly card: Locator,
  ) {
    this.switch = card.getByTestId('cluster-automatic-switch')
    this.label = card.getByTestId('cluster-automatic')
    this.status = card.getByTestId('automatic-status')
    this.leader = this.status.getByTestId('automatic-leader')
    this.store = this.status.getByTestId('automatic-store')
    this.storeLeader = this.status.getByTestId('automatic-store-leader')
    this.members = this.status.getByTestId('automatic-member')
    this.blocker = this.status.getByTestId('automatic-blocker')
    this.error = this.status.getByTestId('automatic-error')
  }

  member(name: string): Locator {
    return this.status.locator(`[data-testid="automatic-member"][data-member="${name}"]`)
  }

  /** Clicks the switch: the plan dialog opens (nothing changes before Confirm). */
  async toggle(): Promise<AutomaticFailoverDialog> {
    await this.switch.click()
    const dialog = new AutomaticFailoverDialog(this.page)
    await expect(dialog.root).toBeVisible()
    return dialog
  }
}
