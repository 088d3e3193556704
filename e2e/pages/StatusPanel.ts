// The live status panel of one cluster (on its card on the Clusters screen): split-brain
// banner, summary, topology (a box per member, an arrow per receiving member labelled with its
// lag), member cards (each with the badge that says what the member is now, and the progress of
// an operation creating it), lag chart.
import type { Locator, Page } from '@playwright/test'

/** What a member's card and box showed at one moment (recordMember). */
export interface MemberSample {
  /** data-badge of the card: operation, fenced, stopped, down, primary, standby, unknown. */
  badge: string
  label: string
  busy: boolean
  state: string
  stateText: string | null
  /** The progress shown on the card itself, when it shows one. */
  percent: number | null
  rate: string | null
  eta: string | null
  upCount: string
  busyCount: string | null
  node: string | null
}

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

  /** The badge that says what the member is now (data-badge; its text: primary, fenced…). */
  badge(member: string): Locator {
    return this.card(member).getByTestId('member-card-role')
  }

  /** "was primary" beside the badge, once that no longer holds. */
  was(member: string): Locator {
    return this.card(member).getByTestId('member-card-was')
  }

  /** The progress of the operation working on the member, on its card. */
  progress(member: string): Locator {
    return this.card(member).getByTestId('member-card-progress')
  }

  /** The badge line of the member's topology box. */
  nodeBadge(member: string): Locator {
    return this.node(member).getByTestId('topology-role')
  }

  /** "1 being created" beside the up count. */
  get busyCount(): Locator {
    return this.root.getByTestId('status-busy-count')
  }

  /**
   * Records every change of a member's card (badge, state, progress) and of the up count, from
   * now on (a MutationObserver in the page: nothing is missed between two polls of the test).
   * Returns a function that stops recording and hands back what was seen.
   */
  async recordMember(member: string): Promise<() => Promise<MemberSample[]>> {
    const key = `__rdMember${Math.random().toString(36).slice(2)}`
    const args = JSON.stringify([key, this.cluster, member])
    await this.page.evaluate(`(${memberRecorder})(...${args})`)
    return async () => (await this.page.evaluate(`(${stopMemberRecorder})(${JSON.stringify(key)})`)) as MemberSample[]
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

// In-page code, as strings: this file is type-checked without the DOM library.
const memberRecorder = `function (key, cluster, member) {
  const samples = []
  const read = () => {
    const panel = document.querySelector('[data-testid="status-panel"][data-cluster="' + cluster + '"]')
    const card = panel && panel.querySelector('[data-testid="member-card"][data-member="' + member + '"]')
    if (!card) return
    const text = (root, id) => { const el = root && root.querySelector('[data-testid="' + id + '"]'); return el ? el.textContent.trim().replace(/\\s+/g, ' ') : null }
    const bar = card.querySelector('[data-testid="member-card-progress"] [data-testid="operation-progress"]')
    const node = panel.querySelector('[data-testid="topology-node"][data-member="' + member + '"]')
    const sample = {
      badge: card.getAttribute('data-badge') || '',
      label: text(card, 'member-card-role') || '',
      busy: card.getAttribute('data-busy') === 'true',
      state: card.getAttribute('data-state') || '',
      stateText: text(card, 'member-card-state'),
      percent: bar ? Number(bar.getAttribute('data-percent')) : null,
      rate: text(bar, 'operation-rate'),
      eta: text(bar, 'operation-eta'),
      upCount: text(panel, 'status-up-count') || '',
      busyCount: text(panel, 'status-busy-count'),
      node: text(node, 'topology-role'),
    }
    const last = samples[samples.length - 1]
    if (JSON.stringify(last) !== JSON.stringify(sample)) samples.push(sample)
  }
  const observer = new MutationObserver(read)
  observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true })
  read()
  window[key] = { samples, observer }
}`

const stopMemberRecorder = `function (key) {
  const rec = window[key]
  rec.observer.disconnect()
  return rec.samples
}`
