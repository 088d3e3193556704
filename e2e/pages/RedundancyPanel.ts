// The Redundancy panel of a cluster (opened from the synchronous label on its card, or from its
// ⋯ menu): the form (replication mode, k, synchronous_commit, the members…), then the plan the
// core made for it (what changes, the warnings, the "Writes will wait" box with its second
// confirmation), then Apply. And the health verdict at the top of the cluster's card.
import { expect, type Locator, type Page } from '@playwright/test'
import { expectPlanOrRefusal, PlanPanel } from './PlanPanel'

export type RedundancyMode = 'async' | 'ANY' | 'FIRST'

const modeLabel: Record<RedundancyMode, string> = {
  async: 'Asynchronous',
  ANY: 'ANY k (quorum)',
  FIRST: 'FIRST k (by priority)',
}

/** One line of the plan's list of changes: "setting: from → to", and what it means. */
export interface RedundancyChange {
  /** The first line as shown, e.g. "replication mode: ANY 1 of 2 (a, b) → FIRST 2 of 2 (a, b)". */
  line: string
  meaning: string
}

export class RedundancyPanel {
  readonly root: Locator
  readonly problem: Locator
  readonly mode: Locator
  readonly k: Locator
  readonly kInput: Locator
  readonly members: Locator
  readonly showPlanButton: Locator
  readonly changes: Locator
  /** The plan's warnings (amber alerts outside the "Writes will wait" box). */
  readonly warnings: Locator
  readonly blocks: Locator
  readonly blockWrites: Locator
  readonly applyButton: Locator
  readonly backButton: Locator
  readonly plan: PlanPanel
  /** The service address field (the <input> itself: ElInput puts the test id there); empty: none. */
  readonly serviceAddress: Locator
  /** The number input "Replicas wanted". */
  readonly desiredInput: Locator
  /** The plan's adds and removals for the replicas wanted (data-action, data-member, data-host). */
  readonly replicas: Locator

  constructor(readonly page: Page) {
    this.root = page.getByTestId('redundancy')
    this.problem = this.root.getByTestId('redundancy-problem')
    this.mode = this.root.getByTestId('redundancy-mode')
    this.k = this.root.getByTestId('redundancy-k')
    this.kInput = this.k.locator('input')
    this.members = this.root.getByTestId('redundancy-member')
    this.showPlanButton = this.root.getByTestId('redundancy-show-plan')
    this.changes = this.root.getByTestId('redundancy-change')
    // No data-testid on them (RedundancyDialog.vue renders each as a bare ElAlert).
    this.warnings = this.root.getByTestId('redundancy-warning')
    this.blocks = this.root.getByTestId('redundancy-blocks')
    this.blockWrites = this.root.getByTestId('redundancy-block-writes')
    this.applyButton = this.root.getByTestId('redundancy-apply')
    // Cancel on the form, Back on a plan: the same button.
    this.backButton = this.root.getByTestId('redundancy-back')
    this.plan = new PlanPanel(this.root)
    this.serviceAddress = this.root.getByTestId('redundancy-service-address')
    this.desiredInput = this.root.getByTestId('redundancy-desired').locator('input')
    this.replicas = this.root.getByTestId('redundancy-replica')
  }

  /** Types the replicas wanted into its number input and commits it. */
  async setDesired(n: number): Promise<void> {
    await this.desiredInput.fill(String(n))
    await this.desiredInput.press('Enter')
    await expect(this.desiredInput).toHaveValue(String(n))
  }

  /** The plan's adds and removals, as "add rdn3 on host3". */
  async readReplicas(): Promise<string[]> {
    const out: string[] = []
    for (const r of await this.replicas.all()) out.push(`${await r.getAttribute('data-action')} ${await r.getAttribute('data-member')} on ${await r.getAttribute('data-host')}`)
    return out
  }

  /** Types the service address (or '' for none) and waits until the field shows it. */
  async setServiceAddress(value: string): Promise<void> {
    await this.serviceAddress.fill(value)
    await expect(this.serviceAddress).toHaveValue(value)
  }

  modeOption(mode: RedundancyMode): Locator {
    return this.mode.locator('label').filter({ hasText: modeLabel[mode] })
  }

  /** Picks the replication mode (a radio button group) and waits until it shows as chosen. */
  async chooseMode(mode: RedundancyMode): Promise<void> {
    await this.modeOption(mode).click()
    await expect(this.modeOption(mode)).toHaveClass(/is-active|is-checked/)
  }

  /** Types k into its number input and commits it (the input takes a value on change). */
  async setK(k: number): Promise<void> {
    await this.kInput.fill(String(k))
    await this.kInput.press('Enter')
    await expect(this.kInput).toHaveValue(String(k))
  }

  /** Asks for the plan and waits until it is shown; fails with the core's refusal. */
  async showPlan(timeout = 30_000): Promise<void> {
    await expect(this.showPlanButton).toBeEnabled()
    await this.showPlanButton.click()
    await expectPlanOrRefusal(this.problem, this.applyButton, timeout, 'the redundancy plan did not arrive')
    await expect(this.plan.root).toBeVisible()
  }

  async readChanges(): Promise<RedundancyChange[]> {
    const out: RedundancyChange[] = []
    for (const li of await this.changes.all()) {
      const [line = '', ...rest] = (await li.innerText()).split('\n').map((s) => s.trim())
      out.push({ line: line.replace(/\s+/g, ' '), meaning: rest.join(' ').trim() })
    }
    return out
  }

  async readWarnings(): Promise<string[]> {
    return (await this.warnings.allInnerTexts()).map((w) => w.replace(/\s+/g, ' ').trim())
  }

  /** Back from a plan to the form (nothing runs). */
  async back(): Promise<void> {
    await expect(this.backButton).toHaveText('Back')
    await this.backButton.click()
    await expect(this.showPlanButton).toBeVisible()
  }

  /** Cancel on the form: the panel closes. */
  async cancel(): Promise<void> {
    await expect(this.backButton).toHaveText('Cancel')
    await this.backButton.click()
    await expect(this.root).toBeHidden()
  }

  /** Apply; the panel closes once the core has started the operation. */
  async apply(timeout = 30_000): Promise<void> {
    await expect(this.applyButton).toBeEnabled()
    await this.applyButton.click()
    await expect(this.root).toBeHidden({ timeout })
  }
}

/**
 * What opens after Apply when the settings change adds or removes replicas: each add and removal
 * with its state, and the operation's progress bar (percent, rate, ETA while a copy runs).
 */
export class ReplicaCountProgressPanel {
  readonly root: Locator
  readonly actions: Locator
  readonly progress: Locator
  readonly error: Locator
  readonly closeButton: Locator

  constructor(readonly page: Page) {
    this.root = page.getByTestId('replica-count')
    this.actions = this.root.getByTestId('replica-count-action')
    this.progress = this.root.getByTestId('operation-progress')
    this.error = this.root.getByTestId('replica-count-error')
    this.closeButton = this.root.getByTestId('replica-count-close')
  }

  action(member: string): Locator {
    return this.root.locator(`[data-testid="replica-count-action"][data-member="${member}"]`)
  }

  /** Waits until the operation ended; fails with its error unless it succeeded. Returns the percents seen on the way. */
  async waitDone(timeout = 120_000): Promise<number[]> {
    const seen: number[] = []
    await expect
      .poll(
        async () => {
          const percent = Number(await this.progress.getAttribute('data-percent').catch(() => null))
          if (Number.isFinite(percent) && seen.at(-1) !== percent) seen.push(percent)
          const status = await this.root.getAttribute('data-status')
          if (status === 'failed' || status === 'interrupted') throw new Error(`the settings change ended ${status}: ${(await this.error.innerText().catch(() => '')).replace(/\s+/g, ' ')}`)
          return status
        },
        { timeout, intervals: [200], message: 'the replicas were not reached' },
      )
      .toBe('succeeded')
    return seen
  }

  async close(): Promise<void> {
    await this.closeButton.click()
    await expect(this.root).toBeHidden()
  }
}

/** The health verdict at the top of a cluster's card. */
export class HealthVerdictPanel {
  readonly root: Locator
  readonly state: Locator
  readonly noLoss: Locator
  readonly writes: Locator
  readonly findings: Locator
  /** "Service address A on HOST", when the cluster has one. */
  readonly address: Locator
  /** The host(s) that hold it, as the verdict read them ("host1", or "host1 and host2"). */
  readonly addressHolder: Locator

  constructor(card: Locator) {
    this.root = card.getByTestId('health-verdict')
    this.state = this.root.getByTestId('health-state')
    this.noLoss = this.root.getByTestId('health-no-loss')
    this.writes = this.root.getByTestId('health-writes')
    this.findings = this.root.getByTestId('health-finding')
    this.address = this.root.getByTestId('health-address')
    this.addressHolder = this.root.getByTestId('health-address-holder')
  }

  finding(id: string): Locator {
    return this.root.locator(`[data-testid="health-finding"][data-finding="${id}"]`)
  }

  /** The ids of the findings shown, in the order shown. */
  async findingIds(): Promise<string[]> {
    const ids: string[] = []
    for (const f of await this.findings.all()) ids.push((await f.getAttribute('data-finding')) ?? '')
    return ids
  }

  /** What the verdict says now, in one line (for the log). */
  async summary(): Promise<string> {
    const state = await this.root.getAttribute('data-state')
    const numbers = [await this.noLoss.innerText().catch(() => ''), await this.writes.innerText().catch(() => '')].join(' ').replace(/\s+/g, ' ')
    return `${state}: ${numbers.trim()} [${(await this.findingIds()).join(', ')}]`
  }
}
