// The live status panel of one cluster (on its card on the Clusters screen): split-brain
// banner, summary, topology (a box per member, an arrow per receiving member labelled with its
// lag), member cards, lag chart.
import type { Locator, Page } from '@playwright/test'

export interface MemberCardText {
  name: string
  role: string
  state: string
  timeline: string
  lsn: string
  lag: string | null
  sync: string | null
  slot: string | null
  disk: string
  uptime: string
}

export class StatusPanel {
  readonly root: Locator
  readonly primary: Locator
  readonly upCount: Locator
  readonly lastPrimary: Locator
  readonly topology: Locator
  readonly cards: Locator
  readonly chart: Locator
  readonly splitBrain: Locator
  readonly error: Locator

  constructor(
    readonly page: Page,
    readonly cluster: string,
  ) {
    this.root = page.locator(`[data-testid="status-panel"][data-cluster="${cluster}"]`)
    this.primary = this.root.getByTestId('status-primary')
    this.upCount = this.root.getByTestId('status-up-count')
    this.lastPrimary = this.root.getByTestId('status-last-primary')
    this.topology = this.root.getByTestId('status-topology')
    this.cards = this.root.getByTestId('member-card')
    this.chart = this.root.getByTestId('status-lag-chart')
    this.splitBrain = this.root.getByTestId('split-brain-banner')
    this.error = this.root.getByTestId('status-error')
  }

  /** The member's box in the topology (data-state, data-role). */
  node(member: string): Locator {
    return this.topology.locator(`[data-testid="topology-node"][data-member="${member}"]`)
  }

  /** The arrow to a receiving member (data-from, data-kind: streaming | detached). */
  edge(member: string): Locator {
    return this.topology.locator(`[data-testid="topology-edge"][data-member="${member}"]`)
  }

  /** The lag label on the arrow to a member. */
  edgeLabel(member: string): Locator {
    return this.edge(member).getByTestId('topology-lag')
  }

  /** A member's card (data-state, data-role, data-down-since). */
  card(member: string): Locator {
    return this.root.locator(`[data-testid="member-card"][data-member="${member}"]`)
  }

  reason(member: string): Locator {
    return this.card(member).getByTestId('member-card-reason')
  }

  async readCard(member: string): Promise<MemberCardText> {
    const card = this.card(member)
    const text = async (id: string) => {
      const el = card.getByTestId(id)
      return (await el.count()) ? (await el.innerText()).trim().replace(/\s+/g, ' ') : null
    }
    return {
      name: (await text('member-card-name')) ?? '',
      role: (await text('member-card-role')) ?? '',
      state: (await text('member-card-state')) ?? '',
      timeline: (await text('member-card-timeline')) ?? '',
      lsn: (await text('member-card-lsn')) ?? '',
      lag: await text('member-card-lag'),
      sync: await text('member-card-sync'),
      slot: await text('member-card-slot'),
      disk: (await text('member-card-disk')) ?? '',
      uptime: (await text('member-card-uptime')) ?? '',
    }
  }
}
