// The register of lab runs on this machine. Several labs may be up at once (developers
// sharing a machine, a test run next to a lab brought up by hand), each under its own state
// file; a cleanup removes its own state file's runs and runs whose owner process died, never
// a lab someone else is using.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { prefixPattern } from './naming'
import { labRoot } from './state'

const runSchema = z.object({
  prefix: z.string(),
  /** The state file this run belongs to: runs of one state file replace each other. */
  statePath: z.string(),
  /** While set, the run lives as long as this process (a test run, or an `up` in progress). */
  owner: z.object({ pid: z.number(), start: z.string() }).optional(),
  createdAt: z.string(),
})
export type RunInfo = z.infer<typeof runSchema> & { dir: string }

export const runDir = (prefix: string) => join(labRoot(), prefix)
const infoPath = (dir: string) => join(dir, 'run.json')

/** Start time of a process (clock ticks since boot): together with the pid it names one process. */
function startTime(pid: number): string | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')
    return fields[0] === 'Z' ? undefined : fields[19] // a zombie is dead, only not yet reaped
  } catch {
    return undefined
  }
}

export function ownerAlive(run: RunInfo): boolean {
  return run.owner !== undefined && startTime(run.owner.pid) === run.owner.start
}

/** Creates the run dir with its run.json in one rename, so no run dir ever lacks its owner. */
export function registerRun(prefix: string, statePath: string): string {
  mkdirSync(labRoot(), { recursive: true })
  const tmp = join(labRoot(), `.${prefix}.tmp`)
  mkdirSync(tmp, { recursive: true })
  const info = { prefix, statePath, owner: { pid: process.pid, start: startTime(process.pid)! }, createdAt: new Date().toISOString() }
  writeFileSync(infoPath(tmp), JSON.stringify(info, null, 2) + '\n')
  renameSync(tmp, runDir(prefix))
  return runDir(prefix)
}

/** A lab brought up from the shell outlives the `up` command: drop the owner. */
export function releaseOwner(prefix: string) {
  const path = infoPath(runDir(prefix))
  const { owner: _owner, ...rest } = runSchema.parse(JSON.parse(readFileSync(path, 'utf8')))
  writeFileSync(path, JSON.stringify(rest, null, 2) + '\n')
}

export function listRuns(): RunInfo[] {
  if (!existsSync(labRoot())) return []
  const runs: RunInfo[] = []
  for (const entry of readdirSync(labRoot())) {
    const dir = join(labRoot(), entry)
    if (/^\.rdl[a-z0-9]{4}\.tmp$/.test(entry) && Date.now() - statSync(dir).mtimeMs > 60_000) {
      rmSync(dir, { recursive: true, force: true }) // an `up` that died within its first milliseconds
      continue
    }
    if (!prefixPattern.test(entry)) continue
    try {
      runs.push({ ...runSchema.parse(JSON.parse(readFileSync(infoPath(dir), 'utf8'))), dir })
    } catch {
      // No register entry: an older lab version made it, for the default state file.
      runs.push({ prefix: entry, statePath: join(labRoot(), 'state.json'), createdAt: '', dir })
    }
  }
  return runs
}
