// What a MariaDB cluster's card shows beyond the shared ClusterCard (ClustersPage.ts): the
// semi-sync label and its fall-back warning, the line that says role changes come later, and
// each member's live card (role, IO/SQL threads, transactions behind, GTID positions, errors).
import type { Locator, Page } from '@playwright/test'
import { ClusterCard } from './ClustersPage'

export class MariaMemberLive {
  readonly role: Locator
  readonly state: Locator
  readonly threads: Locator
  readonly behind: Locator
  readonly readOnly: Locator
  readonly gtidCurrent: Locator
  readonly gtidSlave: Locator
  readonly semiSync: Locator
  readonly threadErrors: Locator
  readonly progress: Locator

  constructor(readonly root: Locator) {
    this.role = root.getByTestId('member-card-role')
    this.state = root.getByTestId('member-card-state')
    this.threads = root.getByTestId('member-card-threads')
    this.behind = root.getByTestId('member-card-behind')
    this.readOnly = root.getByTestId('member-card-read-only')
    this.gtidCurrent = root.getByTestId('member-card-gtid-current')
    this.gtidSlave = root.getByTestId('member-card-gtid-slave')
    this.semiSync = root.getByTestId('member-card-semi-sync')
    this.threadErrors = root.getByTestId('member-card-thread-errors')
    this.progress = root.getByTestId('member-card-progress')
  }
}

export class MariaDbClusterCard extends ClusterCard {
  readonly rolesLater: Locator
  readonly semiSyncFallback: Locator
  readonly switchoverButton: Locator
  readonly failoverButton: Locator

  constructor(page: Page, id: string) {
    super(page, page.locator(`[data-testid="cluster"][data-engine="mariadb"][data-cluster="${id}"]`))
    this.rolesLater = this.root.getByTestId('cluster-roles-later')
    this.semiSyncFallback = this.root.getByTestId('semi-sync-fallback')
    this.switchoverButton = this.root.getByTestId('cluster-switchover')
    this.failoverButton = this.root.getByTestId('cluster-failover')
  }

  /** The live card of one member (under the member table). */
  live(name: string): MariaMemberLive {
    return new MariaMemberLive(this.root.locator(`[data-testid="member-card"][data-engine="mariadb"][data-member="${name}"]`))
  }
}
