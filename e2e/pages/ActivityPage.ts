// The Activity screen (an empty state until the remote command log exists).
import type { Page } from '@playwright/test'
import { EmptyScreenPage } from './EmptyScreenPage'

export class ActivityPage extends EmptyScreenPage {
  constructor(page: Page) {
    super(page, 'activity')
  }
}
