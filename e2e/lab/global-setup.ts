// vitest globalSetup of the `lab` project: one lab for the whole run, always torn down.
// The run gets its own state file (REPLICADESK_LAB_STATE, inherited by the test workers), so
// it never replaces a lab brought up by hand or by another run on the same machine.
// Env: REPLICADESK_LAB_HOSTS (default 3), REPLICADESK_LAB_MODE (auto|netns|loopback).
// Playwright's global setup (e2e/fixtures/labSetup.ts) starts the same lab plus a bare host.
import { join } from 'node:path'
import { labRoot } from './state'
import { labDown, labUp } from './up'

/** The extra host whose admin sudo asks for a password (the error path). */
export const sudoPasswordHost = 'sudopw'

/** The bare host of Playwright's lab (the Prepare wizard installs PostgreSQL on it; vitest's lab has none). */
export const bareHost = 'bare1'

/** The run's lab; `bareHosts` only where the lab gets network namespaces (a loopback lab starts without them). */
export async function startLab(opts: { bareHosts?: string[] } = {}) {
  process.env.REPLICADESK_LAB_STATE ??= join(labRoot(), `vitest-${process.pid}.json`)
  const up = (bareHosts: string[]) =>
    labUp({
      hosts: Number(process.env.REPLICADESK_LAB_HOSTS ?? 3),
      sudoPasswordHosts: [sudoPasswordHost],
      bareHosts,
      log: (msg) => console.log(`[lab] ${msg}`),
    })
  const lab = await up(opts.bareHosts ?? []).catch((err: unknown) => {
    if (!opts.bareHosts?.length || !/bare hosts need netns/.test(String(err))) throw err
    console.log(`[lab] no bare host (${String(err)}): the specs that need one say NOT RUN`)
    return up([])
  })
  return async () => {
    const removed = await labDown()
    console.log(`[lab] ${lab.prefix} down (${removed.length} items removed)`)
  }
}

export default async function setup() {
  return startLab()
}
