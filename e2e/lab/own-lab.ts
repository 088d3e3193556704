// A small lab of a test file's own, for hosts the run's shared lab does not have (bare hosts, a
// machine-id shared on purpose), up beside the shared lab under its own state file so that
// neither replaces the other. Pass the returned lab to every call (`{ lab }`, `…(host, lab)`).
import { join } from 'node:path'
import { labRoot, type Lab } from './state'
import { labDown, labUp, type LabUpOptions } from './up'

/** labUp/labDown act on the state file the environment names: `path`, for the call. */
async function withState<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const shared = process.env.REPLICADESK_LAB_STATE
  process.env.REPLICADESK_LAB_STATE = path
  try {
    return await fn()
  } finally {
    if (shared === undefined) delete process.env.REPLICADESK_LAB_STATE
    else process.env.REPLICADESK_LAB_STATE = shared
  }
}

export interface OwnLab {
  lab: Lab
  /** Tears this lab down (call it in afterAll). */
  down: () => Promise<string[]>
}

/** Brings up a lab named after `name` (e.g. the test file) with its own state file. */
export async function ownLab(name: string, opts: LabUpOptions): Promise<OwnLab> {
  const path = join(labRoot(), `${name}-${process.pid}.json`)
  const lab = await withState(path, () => labUp(opts))
  return { lab, down: () => withState(path, () => labDown()) }
}
