// What a MariaDB cluster's card shows beyond the shared ClusterCard (ClustersPage.ts): the
// semi-sync label and its fall-back warning, each member's live card (role, IO/SQL threads,
// transactions behind, GTID positions, errors, the fenced badge and the Rejoin offer), and the
// role changes, through the same controls and dialog as PostgreSQL's (RoleChangeDialog.ts).
// Its Redundancy panel (opened from the semi-sync label): semi-sync on/off, strict or a
// fall-back after N s, per member semi-sync replica; then the plan's summary and Apply.
import { expect, type Locator, type Page } from '@playwright/test'
import { ClusterCard } from './ClustersPage'
import { expectPlanOrRefusal, PlanPanel } from './PlanPanel'
import { RoleActions } from './RoleChangeDialog'

/** The elements under `root` whose test ids are PREFIX + a name: the prefix written once. */
const testIdsUnder = (root: Locator, prefix: string) => (name: string) => root.getByTestId(`${prefix}${name}`)

export class MariaMemberLive {
  readonly role: Locator
  readonly state: Locator
  readonly threads: Locator
  readonly behind: Locator
  readonly readOnly: Locator
  readonly gtidCurrent: Locator
  readonly gtidSlave: Locator
  /** The primary's gtid_binlog_pos (a replica shows gtidSlave instead). */
  readonly gtidBinlog: Locator
  readonly semiSync: Locator
  readonly threadErrors: Locator
  readonly progress: Locator
  readonly fenced: Locator
  /** The Rejoin offer (data-reason: fenced, stopped, down, former-primary, not-streaming). */
  readonly rejoinOffer: Locator

  constructor(readonly root: Locator) {
    const card = testIdsUnder(root, 'member-card-')
    this.role = card('role')
    this.state = card('state')
    this.threads = card('threads')
    this.behind = card('behind')
    this.readOnly = card('read-only')
    this.gtidCurrent = card('gtid-current')
    this.gtidSlave = card('gtid-slave')
    this.gtidBinlog = card('gtid-binlog')
    this.semiSync = card('semi-sync')
    this.threadErrors = card('thread-errors')
    this.progress = card('progress')
    this.fenced = card('fenced')
    this.rejoinOffer = card('offer')
  }
}

export class MariaDbClusterCard extends ClusterCard {
  readonly semiSyncFallback: Locator
  readonly switchoverButton: Locator
  readonly failoverButton: Locator
  /** Switchover, Failover, Rejoin and Fence: the dialog they open is PostgreSQL's. */
  readonly roles: RoleActions

  constructor(page: Page, id: string) {
    super(page, page.locator(`[data-testid="cluster"][data-engine="mariadb"][data-cluster="${id}"]`))
    this.semiSyncFallback = this.root.getByTestId('semi-sync-fallback')
    this.switchoverButton = this.root.getByTestId('cluster-switchover')
    this.failoverButton = this.root.getByTestId('cluster-failover')
    this.roles = new RoleActions(page, id)
  }

  /** Opens the Redundancy panel from the semi-sync label in the card's header. */
  async openMariaRedundancy(): Promise<MariaRedundancyPanel> {
    await this.syncLabel.click()
    const panel = new MariaRedundancyPanel(this.page)
    await expect(panel.semiSync).toBeVisible()
    return panel
  }

  /** The live card of one member (under the member table). */
  live(name: string): MariaMemberLive {
    return new MariaMemberLive(this.root.locator(`[data-testid="member-card"][data-engine="mariadb"][data-member="${name}"]`))
  }
}

/** The MariaDB Redundancy panel: the form, then the core's plan, then Apply. */
export class MariaRedundancyPanel {
  readonly root: Locator
  readonly problem: Locator
  /** The semi-sync switch (ElSwitch: aria-checked on its inner role=switch input). */
  readonly semiSync: Locator
  /** The sentence that says MariaDB waits for ONE acknowledgement (no count). */
  readonly oneAck: Locator
  readonly lostSync: Locator
  readonly lostSyncMeaning: Locator
  readonly relaxInput: Locator
  readonly showPlanButton: Locator
  readonly applyButton: Locator
  readonly plan: PlanPanel

  constructor(readonly page: Page) {
    this.root = page.getByTestId('maria-redundancy')
    const panel = testIdsUnder(this.root, 'maria-redundancy-')
    this.problem = panel('problem')
    this.semiSync = panel('semi-sync')
    this.oneAck = panel('one-ack')
    this.lostSync = panel('lost-sync')
    this.lostSyncMeaning = panel('lost-sync-meaning')
    this.relaxInput = panel('relax').locator('input')
    this.showPlanButton = panel('show-plan')
    this.applyButton = panel('apply')
    this.plan = new PlanPanel(this.root)
  }

  /** Turns semi-sync on or off and waits until the switch shows it. */
  async setSemiSync(on: boolean): Promise<void> {
    const input = this.semiSync.getByRole('switch')
    if ((await input.getAttribute('aria-checked')) !== String(on)) await this.semiSync.click()
    await expect(input).toHaveAttribute('aria-checked', String(on))
  }

  /** strict (writes wait) or a fall-back to asynchronous after `afterS` seconds. */
  async setLostSync(policy: 'strict' | 'available', afterS?: number): Promise<void> {
    const option = this.lostSync.locator('label').filter({ hasText: policy === 'strict' ? 'Strict' : 'Fall back' })
    await option.click()
    await expect(option).toHaveClass(/is-active|is-checked/)
    if (policy === 'available' && afterS !== undefined) {
      await this.relaxInput.fill(String(afterS))
      await this.relaxInput.press('Enter')
      await expect(this.relaxInput).toHaveValue(String(afterS))
    }
  }

  /** Ticks (or clears) "semi-sync replica" for one member. */
  async setMemberSync(name: string, on: boolean): Promise<void> {
    const box = this.root.locator(`[data-testid="maria-redundancy-member"][data-member="${name}"]`).getByTestId('maria-redundancy-member-sync')
    if ((await box.locator('input').isChecked()) !== on) await box.click()
    await expect(box.locator('input')).toBeChecked({ checked: on })
  }

  /** Asks for the plan and waits until it is shown; fails with the core's refusal. */
  async showPlan(timeout = 30_000): Promise<void> {
    await this.showPlanButton.click()
    await expectPlanOrRefusal(this.problem, this.applyButton, timeout, 'the MariaDB redundancy plan did not arrive')
  }

  /** Apply; the panel closes once the core has started the operation. */
  async apply(timeout = 30_000): Promise<void> {
    await this.applyButton.click()
    await expect(this.root).toBeHidden({ timeout })
  }
}
