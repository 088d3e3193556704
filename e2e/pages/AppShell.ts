// The window around every screen: navigation and the connection state.
import { expect, type Locator, type Page } from '@playwright/test'

export type Screen = 'clusters' | 'operations' | 'hosts' | 'activity'

export const disconnectedTitle = 'Disconnected from ReplicaDesk — reconnecting…'

export class AppShell {
  readonly connectionBadge: Locator
  readonly banner: Locator
  readonly bannerTitle: Locator
  readonly heading: Locator
  readonly appInfo: Locator

  constructor(readonly page: Page) {
    this.connectionBadge = page.getByTestId('connection-badge')
    this.banner = page.getByTestId('connection-banner')
    this.bannerTitle = page.getByTestId('connection-banner-title')
    this.heading = page.getByRole('heading', { level: 1 })
    this.appInfo = page.getByTestId('app-info')
  }

  navItem(screen: Screen): Locator {
    return this.page.getByRole('navigation', { name: 'Main' }).getByTestId(`nav-${screen}`)
  }

  async go(screen: Screen): Promise<void> {
    await this.navItem(screen).click()
    await expect(this.navItem(screen)).toHaveAttribute('aria-current', 'page')
  }

  async expectConnected(): Promise<void> {
    await expect(this.connectionBadge).toHaveAttribute('data-state', 'connected')
    await expect(this.banner).toBeHidden()
  }
}
