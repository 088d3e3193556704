// Browser e2e: the renderer served by the headless server, in Debian's Chromium (Playwright's
// own browser download cannot run here). Electron e2e: the same specs in the desktop window,
// only where an Electron binary exists; elsewhere that project has no tests and says why, once.
import { defineConfig } from '@playwright/test'
import type { AppOptions } from './e2e/fixtures/app'
import { findElectronBinary } from './e2e/fixtures/electronBinary'

const electron = findElectronBinary()
// Workers load this file again; they inherit this variable from the runner and stay quiet.
const noticeShown = 'REPLICADESK_E2E_ELECTRON_NOTICE_SHOWN'
if (!electron.found && !process.env[noticeShown]) {
  process.env[noticeShown] = '1'
  console.log(`Electron project: NOT RUN (no Electron binary: ${electron.why})`)
}

export default defineConfig<AppOptions>({
  testDir: 'e2e/specs',
  // One test lab (e2e/lab) for the run, for the specs against real sshd and PostgreSQL hosts;
  // the function it returns is the teardown. REPLICADESK_E2E_LAB=off skips it.
  globalSetup: './e2e/fixtures/labSetup.ts',
  outputDir: 'test-results',
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  timeout: 45_000,
  expect: { timeout: 5_000 },
  // npm test (scripts/test.mjs) sets PLAYWRIGHT_JSON_OUTPUT_NAME to count the results.
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [['list'], ['json']] : [['list']],
  use: {
    headless: true,
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: process.env.REPLICADESK_E2E_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  projects: [
    { name: 'browser', use: { appKind: 'browser' } },
    {
      name: 'electron',
      use: { appKind: 'electron' },
      // No binary: no tests at all (not skipped ones that would look like a pass).
      ...(electron.found ? {} : { testIgnore: /.*/ }),
    },
  ],
})
