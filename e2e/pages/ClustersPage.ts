// The Clusters screen: cluster cards with their members and operations, the empty state, and
// the wizards that create clusters and add or remove replicas.
import { expect, type Locator, type Page } from '@playwright/test'
import { AddReplicaWizard, CreateClusterWizard, RemoveReplicaDialog } from './ClusterWizards'
import { ConnectionStringsPanel } from './ConnectionStringsPanel'
import { EmptyScreenPage } from './EmptyScreenPage'
import { OperationCard } from './OperationsPage'
import { HealthVerdictPanel, RedundancyPanel } from './RedundancyPanel'

export interface MemberRow {
  name: string
  host: string
  port: string
  dataDir: string
  layout: string
  badges: string
}

export class ClusterCard {
  readonly id: Locator
  readonly major: Locator
  readonly members: Locator
  readonly memberNames: Locator
  readonly addReplicaButton: Locator
  readonly operations: Locator
  /** The synchronous setting in the card's header ("ANY 1 of 2 synchronous"); opens the Redundancy panel. */
  readonly syncLabel: Locator
  readonly health: HealthVerdictPanel
  /** "Connect your apps": the copyable connection strings under the verdict. */
  readonly connections: ConnectionStringsPanel

  constructor(
    readonly page: Page,
    readonly root: Locator,
  ) {
    this.id = root.getByTestId('cluster-id')
    this.major = root.getByTestId('cluster-major')
    this.members = root.getByTestId('cluster-members').locator('tbody tr')
    this.memberNames = root.getByTestId('member-name')
    this.addReplicaButton = root.getByTestId('cluster-add-replica')
    this.operations = root.getByTestId('operation')
    this.syncLabel = root.getByTestId('cluster-sync')
    this.health = new HealthVerdictPanel(root)
    this.connections = new ConnectionStringsPanel(root)
  }

  member(name: string): Locator {
    return this.members.filter({ has: this.page.getByTestId('member-name').getByText(name, { exact: true }) })
  }

  /** The badge in the member's row that says what it is now (data-badge), with "was …" beside it. */
  now(name: string): Locator {
    return this.member(name).getByTestId('member-now')
  }

  async readMember(name: string): Promise<MemberRow> {
    const row = this.member(name)
    const text = async (id: string) => (await row.getByTestId(id).innerText()).trim()
    return {
      name: await text('member-name'),
      host: await text('member-host'),
      port: await text('member-port'),
      dataDir: await text('member-data-dir'),
      layout: await text('member-layout'),
      badges: await text('member-badges'),
    }
  }

  /** The card of the newest operation of a kind shown on this cluster. */
  operation(kind: string): OperationCard {
    return new OperationCard(this.root.locator(`[data-testid="operation"][data-kind="${kind}"]`).first())
  }

  async startAddReplica(): Promise<AddReplicaWizard> {
    await this.addReplicaButton.click()
    const wizard = new AddReplicaWizard(this.page)
    await expect(wizard.root).toBeVisible()
    return wizard
  }

  /** Opens the Redundancy panel by clicking the synchronous label, or from the ⋯ menu. */
  async openRedundancy(from: 'label' | 'menu' = 'label'): Promise<RedundancyPanel> {
    if (from === 'label') await this.syncLabel.click()
    else {
      await this.root.getByRole('button', { name: `More actions for ${await this.id.innerText()}`, exact: true }).click()
      await this.page.getByRole('menuitem', { name: 'Redundancy settings…' }).click()
    }
    const panel = new RedundancyPanel(this.page)
    await expect(panel.root).toBeVisible()
    await expect(panel.showPlanButton).toBeVisible()
    return panel
  }

  /** ⋯ → Forget this cluster… → Forget: returns the question that follows (the clean of hosts left unused). */
  async forget(): Promise<Locator> {
    await this.root.getByRole('button', { name: `More actions for ${await this.id.innerText()}`, exact: true }).click()
    await this.page.getByRole('menuitem', { name: 'Forget this cluster…' }).click()
    await this.page.getByRole('dialog', { name: 'Forget cluster' }).getByRole('button', { name: 'Forget', exact: true }).click()
    return this.page.getByRole('dialog', { name: 'Clean the hosts too?' })
  }

  async startRemove(member: string): Promise<RemoveReplicaDialog> {
    await this.root.getByRole('button', { name: `Remove ${member}`, exact: true }).click()
    const dialog = new RemoveReplicaDialog(this.page)
    await expect(dialog.root).toBeVisible()
    return dialog
  }
}

export class ClustersPage extends EmptyScreenPage {
  readonly createButton: Locator
  readonly emptyCreateButton: Locator
  readonly cards: Locator
  readonly summary: Locator
  readonly pending: Locator

  constructor(page: Page) {
    super(page, 'clusters')
    this.createButton = page.getByTestId('clusters-create')
    this.emptyCreateButton = page.getByTestId('clusters-empty-create')
    this.cards = page.getByTestId('cluster')
    this.summary = page.getByTestId('clusters-summary')
    this.pending = page.getByTestId('clusters-pending')
  }

  cluster(id: string): ClusterCard {
    return new ClusterCard(this.page, this.page.locator(`[data-testid="cluster"][data-cluster="${id}"]`))
  }

  /** Opens the create-cluster wizard from the toolbar, or from the empty state. */
  async startCreate(): Promise<CreateClusterWizard> {
    if (await this.createButton.isVisible()) await this.createButton.click()
    else await this.emptyCreateButton.click()
    const wizard = new CreateClusterWizard(this.page)
    await expect(wizard.root).toBeVisible()
    return wizard
  }
}
