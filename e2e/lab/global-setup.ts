// vitest globalSetup of the `lab` project: one lab for the whole run, always torn down.
// The run gets its own state file (REPLICADESK_LAB_STATE, inherited by the test workers), so
// it never replaces a lab brought up by hand or by another run on the same machine.
// Env: REPLICADESK_LAB_HOSTS (default 3), REPLICADESK_LAB_MODE (auto|netns|loopback).
import { join } from 'node:path'
import { labRoot } from './state'
import { labDown, labUp } from './up'

/** The extra host whose admin sudo asks for a password (the error path). */
export const sudoPasswordHost = 'sudopw'

export default async function setup() {
  process.env.REPLICADESK_LAB_STATE ??= join(labRoot(), `vitest-${process.pid}.json`)
  const lab = await labUp({
    hosts: Number(process.env.REPLICADESK_LAB_HOSTS ?? 3),
    sudoPasswordHosts: [sudoPasswordHost],
    log: (msg) => console.log(`[lab] ${msg}`),
  })
  return async () => {
    const removed = await labDown()
    console.log(`[lab] ${lab.prefix} down (${removed.length} items removed)`)
  }
}
