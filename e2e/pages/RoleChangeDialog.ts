// Role changes as the Clusters screen offers them: the Switchover and Failover buttons of a
// cluster card, Rejoin on a member card, Fence in the split-brain banner, the "fenced" badges,
// and the one dialog they open (the plan with its assessment, then Confirm).
import { expect, type Locator, type Page } from '@playwright/test'
import { PlanPanel } from './PlanPanel'

export type RoleChangeKind = 'switchover' | 'failover' | 'rejoin' | 'fence'

export interface CandidateText {
  name: string
  chosen: boolean
  behind: string
}

export interface AssessmentText {
  from: string
  to: string
  lossKind: string
  loss: string
  warnings: string[]
  candidates: CandidateText[]
}

export class RoleChangeDialog {
  readonly root: Locator
  readonly lead: Locator
  readonly primaryUp: Locator
  readonly busy: Locator
  readonly problem: Locator
  readonly targets: Locator
  readonly rebuild: Locator
  readonly rebuildWarning: Locator
  readonly assessment: Locator
  readonly from: Locator
  readonly to: Locator
  readonly loss: Locator
  readonly lossValue: Locator
  readonly warnings: Locator
  readonly candidates: Locator
  /** Why the core picked the member it promotes. */
  readonly reason: Locator
  readonly plan: PlanPanel
  readonly confirmButton: Locator
  readonly cancelButton: Locator

  constructor(readonly page: Page) {
    this.root = page.getByTestId('role-change')
    this.lead = this.root.getByTestId('role-change-lead')
    this.primaryUp = this.root.getByTestId('role-change-primary-up')
    this.busy = this.root.getByTestId('role-change-busy')
    this.problem = this.root.getByTestId('role-change-problem')
    this.targets = this.root.getByTestId('role-change-target-option')
    this.rebuild = this.root.getByTestId('role-change-rebuild')
    this.rebuildWarning = this.root.getByTestId('role-change-rebuild-warning')
    this.assessment = this.root.getByTestId('assessment')
    this.from = this.assessment.getByTestId('assessment-from')
    this.to = this.assessment.getByTestId('assessment-to')
    this.loss = this.assessment.getByTestId('assessment-loss')
    this.lossValue = this.assessment.getByTestId('assessment-loss-value')
    this.warnings = this.assessment.getByTestId('assessment-warning')
    this.candidates = this.assessment.getByTestId('assessment-candidate')
    this.reason = this.assessment.getByTestId('assessment-reason')
    this.plan = new PlanPanel(this.root)
    this.confirmButton = this.root.getByTestId('role-change-confirm')
    this.cancelButton = this.root.getByTestId('role-change-cancel')
  }

  /** Waits until the plan (a dry run the dialog asks for by itself) is shown; fails with the core's refusal. */
  async waitPlanned(timeout = 30_000): Promise<void> {
    await expect(this.root).toBeVisible()
    await expect
      .poll(
        async () => {
          const state = await this.root.getAttribute('data-state')
          if (state === 'problem') throw new Error(`the dry run was refused: ${(await this.problem.innerText()).replace(/\s+/g, ' ')}`)
          return state
        },
        { timeout, message: 'the role-change plan did not arrive' },
      )
      .toBe('planned')
    await expect(this.plan.root).toBeVisible()
  }

  /** The target option for a member ('' : the core's own pick). */
  target(member: string): Locator {
    return this.root.locator(`[data-testid="role-change-target-option"][data-member="${member}"]`)
  }

  /** Picks the member to promote and waits for the plan made for it. */
  async pickTarget(member: string): Promise<void> {
    await this.target(member).click()
    await expect(this.target(member)).toHaveClass(/is-checked/)
    if (member) await expect(this.to).toHaveText(member, { timeout: 30_000 })
    await this.waitPlanned()
  }

  async readAssessment(): Promise<AssessmentText> {
    const candidates: CandidateText[] = []
    for (const row of await this.candidates.all()) {
      candidates.push({
        name: (await row.getAttribute('data-member')) ?? '',
        chosen: (await row.getAttribute('data-chosen')) === 'true',
        behind: (await row.getByTestId('assessment-candidate-behind').innerText()).trim(),
      })
    }
    return {
      from: (await this.from.innerText()).trim(),
      to: (await this.to.innerText()).trim(),
      lossKind: (await this.loss.getAttribute('data-kind')) ?? '',
      loss: (await this.lossValue.innerText()).trim(),
      warnings: (await this.warnings.allInnerTexts()).map((w) => w.trim()),
      candidates,
    }
  }

  /** Confirms; the dialog closes once the core has started the operation. */
  async confirm(timeout = 30_000): Promise<void> {
    await expect(this.confirmButton).toBeEnabled()
    await this.confirmButton.click()
    await expect(this.root).toBeHidden({ timeout })
  }
}

/** The role-change controls of one cluster's card. */
export class RoleActions {
  readonly card: Locator
  readonly switchoverButton: Locator
  readonly failoverButton: Locator
  readonly splitBrainFence: Locator

  constructor(
    readonly page: Page,
    readonly cluster: string,
  ) {
    this.card = page.locator(`[data-testid="cluster"][data-cluster="${cluster}"]`)
    this.switchoverButton = this.card.getByTestId('cluster-switchover')
    this.failoverButton = this.card.getByTestId('cluster-failover')
    this.splitBrainFence = this.card.getByTestId('split-brain-fence')
  }

  memberCard(member: string): Locator {
    return this.card.locator(`[data-testid="member-card"][data-member="${member}"]`)
  }

  /** The Rejoin offer on a member card (data-reason: fenced, stopped, down, former-primary, not-streaming). */
  rejoinOffer(member: string): Locator {
    return this.memberCard(member).getByTestId('member-card-offer')
  }

  fencedBadge(member: string): Locator {
    return this.memberCard(member).getByTestId('member-card-fenced')
  }

  /** The "fenced" badge in the members table. */
  fencedRowBadge(member: string): Locator {
    return this.card.getByTestId('cluster-members').locator('tbody tr').filter({ has: this.page.getByTestId('member-name').getByText(member, { exact: true }) }).getByTestId('member-fenced')
  }

  private async opened(kind: RoleChangeKind): Promise<RoleChangeDialog> {
    const dialog = new RoleChangeDialog(this.page)
    await expect(dialog.root).toBeVisible()
    await expect(dialog.root).toHaveAttribute('data-kind', kind)
    return dialog
  }

  async openSwitchover(): Promise<RoleChangeDialog> {
    await expect(this.switchoverButton).toBeEnabled({ timeout: 15_000 })
    await this.switchoverButton.click()
    return this.opened('switchover')
  }

  async openFailover(): Promise<RoleChangeDialog> {
    await this.failoverButton.click()
    return this.opened('failover')
  }

  async openRejoin(member: string): Promise<RoleChangeDialog> {
    await this.memberCard(member).getByTestId('member-card-rejoin').click()
    return this.opened('rejoin')
  }

  async openFence(member: string): Promise<RoleChangeDialog> {
    await this.card.locator(`[data-testid="split-brain-fence"][data-member="${member}"]`).click()
    return this.opened('fence')
  }
}
