// The Clusters screen (an empty state until cluster management exists).
import type { Page } from '@playwright/test'
import { EmptyScreenPage } from './EmptyScreenPage'

export class ClustersPage extends EmptyScreenPage {
  constructor(page: Page) {
    super(page, 'clusters')
  }
}
