// The dialogs of the Clusters screen: the create-cluster wizard, the add-replica wizard and
// the remove-replica confirmation.
import { expect, type Locator, type Page } from '@playwright/test'
import { PlanPanel } from './PlanPanel'

export interface PlacementFields {
  dataDir?: string
  port?: string | number
  layout?: 'plain' | 'debian'
  debianName?: string
  address?: string
  sync?: boolean
  priority?: string | number
  neverPromote?: boolean
}

/** The fields both wizards share, under a prefix (create / replica). */
class Placement {
  constructor(
    readonly page: Page,
    readonly root: Locator,
    readonly prefix: string,
  ) {}

  field(name: 'dataDir' | 'port' | 'debianName' | 'address' | 'priority'): Locator {
    return this.root.locator(`input#${this.prefix}-${name}`)
  }

  error(name: string): Locator {
    return this.root.getByTestId(`${this.prefix}-${name}-error`)
  }

  async fillPlacement(f: PlacementFields): Promise<void> {
    // PostgreSQL: "Plain data dir (pg_ctl)" / "Debian cluster …"; MariaDB: "Plain data dir (mariadbd …)" / "Debian server …".
    if (f.layout) await this.root.getByTestId(`${this.prefix}-layout`).getByText(f.layout === 'plain' ? /^Plain data dir/ : /^Debian (cluster|server)/).click()
    if (f.debianName !== undefined) await this.field('debianName').fill(f.debianName)
    if (f.dataDir !== undefined) await this.field('dataDir').fill(f.dataDir)
    if (f.port !== undefined) await this.field('port').fill(String(f.port))
    if (f.address !== undefined) await this.field('address').fill(f.address)
    if (f.priority !== undefined) await this.field('priority').fill(String(f.priority))
    if (f.sync !== undefined) {
      const sw = this.root.getByTestId(`${this.prefix}-sync`).getByRole('switch')
      if ((await sw.isChecked()) !== f.sync) await this.root.getByTestId(`${this.prefix}-sync`).click()
      if (f.sync) await expect(sw).toBeChecked()
      else await expect(sw).not.toBeChecked()
    }
    if (f.neverPromote !== undefined) {
      const box = this.root.getByTestId(`${this.prefix}-neverPromote`).getByRole('checkbox')
      if ((await box.isChecked()) !== f.neverPromote) await this.root.getByTestId(`${this.prefix}-neverPromote`).click()
      if (f.neverPromote) await expect(box).toBeChecked()
      else await expect(box).not.toBeChecked()
    }
  }

  /** Picks an option of an Element Plus select by its label. */
  async pick(select: Locator, label: string): Promise<void> {
    await select.click()
    await this.page.getByRole('option', { name: label }).first().click()
  }
}

export class CreateClusterWizard extends Placement {
  readonly engine: Locator
  /** MariaDB: the semi-synchronous checkbox and the sentence under it that says what it means. */
  readonly semiSync: Locator
  readonly semiSyncMeaning: Locator
  readonly host: Locator
  readonly detection: Locator
  readonly versions: Locator
  readonly noInstances: Locator
  readonly nextButton: Locator
  readonly clusterId: Locator
  readonly member: Locator
  readonly showPlanButton: Locator
  readonly createButton: Locator
  readonly backButton: Locator
  readonly problem: Locator
  readonly plan: PlanPanel

  constructor(page: Page) {
    const root = page.getByTestId('create-cluster')
    super(page, root, 'create')
    this.engine = root.getByTestId('create-engine')
    this.semiSync = root.getByTestId('create-semi-sync')
    this.semiSyncMeaning = root.getByTestId('create-semi-sync-meaning')
    this.host = root.getByTestId('create-host')
    this.detection = root.getByTestId('detection')
    this.versions = root.getByTestId('detection-versions')
    this.noInstances = root.getByTestId('detection-no-instances')
    this.nextButton = root.getByTestId('create-next')
    this.clusterId = root.locator('input#create-cluster-id')
    this.member = root.locator('input#create-member')
    this.showPlanButton = root.getByTestId('create-show-plan')
    this.createButton = root.getByTestId('create-submit')
    this.backButton = root.getByTestId('create-back')
    this.problem = root.getByTestId('create-problem')
    this.plan = new PlanPanel(root)
  }

  /** The database of the new cluster (PostgreSQL is picked when the wizard opens). */
  async pickEngine(engine: 'postgres' | 'mariadb'): Promise<void> {
    await this.engine.getByText(engine === 'mariadb' ? 'MariaDB' : 'PostgreSQL', { exact: true }).click()
    await expect(this.engine.locator('input[type="radio"]:checked')).toHaveValue(engine)
  }

  /** Picks the host and waits until what runs there is shown (PostgreSQL: its detection; MariaDB: the pre-flight note). */
  async pickHost(name: string): Promise<void> {
    await this.pick(this.host, name)
    if ((await this.engine.locator('input[type="radio"]:checked').inputValue()) === 'mariadb') await expect(this.root.getByTestId('create-mariadb-host')).toContainText(name)
    else await expect(this.detection).toHaveAttribute('data-state', 'done', { timeout: 20_000 })
  }

  async next(): Promise<void> {
    await this.nextButton.click()
    await expect(this.clusterId).toBeVisible()
  }

  async showPlan(): Promise<void> {
    await this.showPlanButton.click()
    await expect(this.plan.root).toBeVisible({ timeout: 20_000 })
  }

  /** Starts the creation; the wizard closes. */
  async create(): Promise<void> {
    await this.createButton.click()
    await expect(this.root).toBeHidden({ timeout: 20_000 })
  }
}

export class AddReplicaWizard extends Placement {
  readonly host: Locator
  readonly detected: Locator
  readonly name: Locator
  readonly showPlanButton: Locator
  readonly addButton: Locator
  readonly problem: Locator
  readonly plan: PlanPanel

  constructor(page: Page) {
    const root = page.getByTestId('add-replica')
    super(page, root, 'replica')
    this.host = root.getByTestId('replica-host')
    this.detected = root.getByTestId('replica-detected')
    this.name = root.locator('input#replica-name')
    this.showPlanButton = root.getByTestId('replica-show-plan')
    this.addButton = root.getByTestId('replica-submit')
    this.problem = root.getByTestId('add-replica-problem')
    this.plan = new PlanPanel(root)
  }

  async pickHost(name: string): Promise<void> {
    await this.pick(this.host, name)
    await expect(this.detected).toBeVisible({ timeout: 20_000 })
  }

  async showPlan(): Promise<void> {
    await this.showPlanButton.click()
    await expect(this.plan.root).toBeVisible({ timeout: 20_000 })
  }

  async add(): Promise<void> {
    await this.addButton.click()
    await expect(this.root).toBeHidden({ timeout: 20_000 })
  }
}

export class RemoveReplicaDialog {
  readonly root: Locator
  readonly deleteData: Locator
  readonly removeButton: Locator
  readonly problem: Locator

  constructor(readonly page: Page) {
    this.root = page.getByTestId('remove-replica')
    this.deleteData = this.root.getByTestId('remove-replica-delete-data')
    this.removeButton = this.root.getByTestId('remove-replica-submit')
    this.problem = this.root.getByTestId('remove-replica-problem')
  }
}
