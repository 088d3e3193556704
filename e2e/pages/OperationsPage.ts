// Operations as the panels show them (the Operations screen, and the panel on a cluster's
// card): one card per operation with its state, progress bar and steps.
import { expect, type Locator, type Page } from '@playwright/test'
import { AppShell } from './AppShell'

/** What the page showed of one progress bar at one moment (recorded in the page). */
export interface ProgressSample {
  percent: number
  status: string
  rate: string | null
  eta: string | null
  bytes: string | null
  message: string | null
}

export class OperationCard {
  readonly status: Locator
  readonly title: Locator
  readonly progress: Locator
  readonly percent: Locator
  readonly steps: Locator
  readonly error: Locator
  readonly resumeButton: Locator
  readonly abandonButton: Locator
  readonly stepsToggle: Locator

  constructor(readonly root: Locator) {
    this.status = root.getByTestId('operation-status')
    this.title = root.getByTestId('operation-title')
    this.progress = root.getByTestId('operation-progress')
    this.percent = root.getByTestId('operation-percent')
    this.steps = root.getByTestId('operation-step')
    this.error = root.getByTestId('operation-error')
    this.resumeButton = root.getByTestId('operation-resume')
    this.abandonButton = root.getByTestId('operation-abandon')
    this.stepsToggle = root.getByTestId('operation-steps-toggle')
  }

  step(id: string): Locator {
    return this.root.locator(`[data-testid="operation-step"][data-step="${id}"]`)
  }

  /** Waits until the operation has ended with this status (operations run for seconds). */
  async expectEnded(status: 'succeeded' | 'failed' | 'abandoned', timeout = 90_000): Promise<void> {
    await expect(this.root).toHaveAttribute('data-status', status, { timeout })
  }

  /** Waits until it has ended; anything but success fails at once with the error the card shows. */
  async expectSucceeded(what: string, timeout = 90_000): Promise<void> {
    await expect(this.root).toHaveAttribute('data-status', /^(succeeded|failed|interrupted|abandoned)$/, { timeout })
    const status = await this.root.getAttribute('data-status')
    if (status !== 'succeeded') {
      const error = (await this.error.count()) ? await this.error.innerText() : '(no error shown)'
      throw new Error(`${what} ended ${status}: ${error}`)
    }
  }

  async openSteps(): Promise<void> {
    if ((await this.stepsToggle.getAttribute('aria-expanded')) !== 'true') await this.stepsToggle.click()
    await expect(this.stepsToggle).toHaveAttribute('aria-expanded', 'true')
  }

  /**
   * Records every state the progress bars of the operation cards matching `selector` go
   * through, as the page renders them (a MutationObserver in the page: nothing is missed
   * between two polls of the test), per operation id. Returns a function that stops recording
   * and hands back what was seen.
   */
  static async recordProgress(page: Page, selector: string): Promise<() => Promise<Record<string, ProgressSample[]>>> {
    const key = `__rdProgress${Math.random().toString(36).slice(2)}`
    await page.evaluate(`(${recorderScript})(${JSON.stringify(key)}, ${JSON.stringify(selector)})`)
    return async () => (await page.evaluate(`(${stopScript})(${JSON.stringify(key)})`)) as Record<string, ProgressSample[]>
  }
}

// In-page code, as strings: this file is type-checked without the DOM library.
const recorderScript = `function (key, selector) {
  const byId = {}
  const read = () => {
    for (const card of document.querySelectorAll(selector)) {
      const id = card.getAttribute('data-id') || ''
      const bar = card.querySelector('[data-testid="operation-progress"]')
      if (!bar) continue
      const text = (testId) => { const el = bar.querySelector('[data-testid="' + testId + '"]'); return el ? el.textContent.trim() : null }
      const sample = {
        percent: Number(bar.getAttribute('data-percent')),
        status: bar.getAttribute('data-status') || '',
        rate: text('operation-rate'),
        eta: text('operation-eta'),
        bytes: text('operation-bytes'),
        message: text('operation-message'),
      }
      const list = (byId[id] = byId[id] || [])
      if (JSON.stringify(list[list.length - 1]) !== JSON.stringify(sample)) list.push(sample)
    }
  }
  const observer = new MutationObserver(read)
  observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true })
  read()
  window[key] = { byId, observer }
}`

const stopScript = `function (key) {
  const rec = window[key]
  rec.observer.disconnect()
  return rec.byId
}`

export class OperationsPage {
  readonly shell: AppShell
  readonly summary: Locator
  readonly cards: Locator
  readonly empty: Locator
  readonly clusterFilter: Locator

  constructor(readonly page: Page) {
    this.shell = new AppShell(page)
    this.summary = page.getByTestId('operations-summary')
    this.cards = page.getByTestId('operation')
    this.empty = page.getByTestId('operations-empty')
    this.clusterFilter = page.getByTestId('operations-cluster-filter')
  }

  async open(): Promise<void> {
    await this.shell.go('operations')
    await expect(this.summary).toHaveText(/\d+ operations?/)
  }

  /** The card of the newest operation of a kind (pg-create-cluster, pg-add-replica …) on a cluster. */
  card(kind: string, cluster: string): OperationCard {
    return new OperationCard(this.page.locator(`[data-testid="operation"][data-kind="${kind}"][data-cluster="${cluster}"]`).first())
  }
}

/**
 * What the page showed of an operation's progress bar (OperationCard.recordProgress): it only
 * went up, showed a percent between 0 and 100 and a step message while it ran, and ended full.
 */
export function expectProgressShown(samples: ProgressSample[] | undefined, what: string): void {
  expect(samples, `no progress bar seen for ${what}`).toBeDefined()
  const seen = samples!
  const percents = seen.map((s) => s.percent)
  const shown = (pick: (s: ProgressSample) => string | null) => [...new Set(seen.flatMap((s) => (pick(s) ? [pick(s)!] : [])))].join(', ') || 'none shown'
  console.log(`${what}: progress seen ${percents.join(' → ')} %; rates ${shown((s) => s.rate)}; bytes ${shown((s) => s.bytes)}`)
  for (let i = 1; i < percents.length; i++) expect(percents[i], `${what}: the bar went back (${percents.join(', ')})`).toBeGreaterThanOrEqual(percents[i - 1]!)
  expect(seen.some((s) => s.status === 'running' && s.percent > 0 && s.percent < 100), `${what}: no percent between 0 and 100 while it ran`).toBe(true)
  expect(seen.some((s) => s.status === 'running' && s.message), `${what}: no step message while it ran`).toBe(true)
  expect(seen.at(-1)).toMatchObject({ percent: 100, status: 'succeeded' })
}
