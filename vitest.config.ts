import { defineConfig } from 'vitest/config'

// Two projects: `unit` runs pure logic in plain Node; `lab` talks to real sshd and PostgreSQL
// hosts in the test lab (e2e/lab), one file after another because they share the hosts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{electron,renderer,shared,scripts,e2e}/**/*.test.ts'],
          exclude: ['**/*.lab.test.ts', '**/node_modules/**'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'lab',
          include: ['{electron,e2e}/**/*.lab.test.ts'],
          globalSetup: ['e2e/lab/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
          environment: 'node',
        },
      },
    ],
  },
})
