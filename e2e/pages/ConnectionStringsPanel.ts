// "Connect your apps" on a cluster's card (a <details>): one row per connection string (the
// service address when the cluster has one, then libpq multi-host and JDBC), each with its
// value, a Copy button that says "Copied" once clicked, and a note on which clients take it.
import { expect, type Locator } from '@playwright/test'

export type ConnectionKind = 'service' | 'libpq' | 'jdbc'

export interface ConnectionRow {
  kind: string
  label: string
  value: string
  note: string
}

export class ConnectionStringsPanel {
  readonly root: Locator
  readonly summary: Locator
  readonly rows: Locator

  constructor(card: Locator) {
    this.root = card.getByTestId('connection-strings')
    this.summary = this.root.locator('summary')
    this.rows = this.root.getByTestId('connection-string')
  }

  row(kind: ConnectionKind): Locator {
    return this.root.locator(`[data-testid="connection-string"][data-kind="${kind}"]`)
  }

  value(kind: ConnectionKind): Locator {
    return this.row(kind).getByTestId('connection-string-value')
  }

  copyButton(kind: ConnectionKind): Locator {
    return this.row(kind).getByTestId(`copy-${kind}`)
  }

  /** Opens the section (a click on its summary) unless it is open. */
  async open(): Promise<void> {
    if ((await this.root.getAttribute('open')) === null) await this.summary.click()
    await expect(this.root).toHaveAttribute('open', '')
    await expect(this.rows.first()).toBeVisible()
  }

  /** Every row as shown, in order. */
  async read(): Promise<ConnectionRow[]> {
    const out: ConnectionRow[] = []
    for (const row of await this.rows.all()) {
      out.push({
        kind: (await row.getAttribute('data-kind')) ?? '',
        label: (await row.locator('.label').innerText()).trim(),
        value: (await row.getByTestId('connection-string-value').innerText()).trim(),
        note: (await row.locator('.note').innerText()).trim(),
      })
    }
    return out
  }
}
