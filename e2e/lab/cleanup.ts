// Removes lab runs: found by the naming scheme and the run register rather than by the state
// file alone, so it also clears up after a crashed or killed run. Which runs go is decided by
// `doomed`; labs that others still use stay.
import { readFileSync, rmSync } from 'node:fs'
import { loopbackSudoers } from './loopback'
import { linkPattern, nsPattern, prefixOf } from './naming'
import { nsPids } from './netns'
import { killUntilGone, labProcesses } from './procs'
import { LabError, run, waitFor } from './run'
import { listRuns, ownerAlive, type RunInfo } from './runs'
import { statePath } from './state'

async function schemeNamespaces(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list'], { allowFail: true })
  return stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => nsPattern.test(n))
}

interface SchemeLink {
  name: string
  /**
   * A veth whose host end lives in a netns this mount namespace cannot name (`link-netnsid`, not
   * `link-netns NAME`), or a bridge holding one: a lab run from another root (a chroot) or mount
   * namespace, whose run dir we may not see either. Never an orphan: a veth dies with its netns.
   */
  foreign: boolean
}

async function schemeLinks(): Promise<SchemeLink[]> {
  const { stdout } = await run('ip', ['-o', 'link', 'show'])
  const links = stdout
    .split('\n')
    .map((l) => ({ name: l.split(': ')[1]?.split('@')[0] ?? '', master: / master (\S+)/.exec(l)?.[1], foreign: / link-netnsid /.test(l) }))
    .filter((l) => linkPattern.test(l.name))
  const foreignBridges = new Set(links.filter((l) => l.foreign && l.master).map((l) => l.master))
  return links.map((l) => ({ name: l.name, foreign: l.foreign || foreignBridges.has(l.name) }))
}

/** Mounts under a run dir in the machine's own mount namespace (only a crash mid-mount leaves one). */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => !!p && p.startsWith(dir + '/'))
    .reverse() // innermost first
}

/**
 * A run goes when it belongs to this state file, or when its owner process died (a crashed
 * test run or `up`). `all` removes every lab run.
 */
function doomed(run: RunInfo, all: boolean): boolean {
  return all || run.statePath === statePath() || (run.owner !== undefined && !ownerAlive(run))
}

export async function cleanRuns(opts: { all?: boolean } = {}): Promise<string[]> {
  const removed: string[] = []
  const runs = listRuns()
  const known = new Set(runs.map((r) => r.prefix))
  const going = runs.filter((r) => doomed(r, opts.all ?? false))
  const goingPrefixes = new Set(going.map((r) => r.prefix))
  // Namespaces and links without any run dir are orphans of a run whose dir is already gone.
  const isGoing = (name: string) => goingPrefixes.has(prefixOf(name)) || !known.has(prefixOf(name))
  const namespaces = (await schemeNamespaces()).filter(isGoing)

  const left = await killUntilGone(async () => {
    const inNs = (await Promise.all(namespaces.map(nsPids))).flat()
    return [...new Set([...inNs, ...going.flatMap((r) => labProcesses(r.dir + '/'))])]
  })
  if (left.length) throw new LabError(`lab processes survive kill -9: ${left.join(' ')}`)
  // Links first: deleting a veth's machine side removes the pair at once, whereas a deleted
  // netns takes its veths down later, in the kernel's own time.
  // A foreign link goes only with its own run (known and doomed), never as an orphan.
  const links = (await schemeLinks()).filter((l) => (l.foreign ? goingPrefixes.has(prefixOf(l.name)) : isGoing(l.name))).map((l) => l.name)
  for (const link of links) {
    await run('ip', ['link', 'del', link], { allowFail: true })
    removed.push(`link ${link}`)
  }
  for (const ns of namespaces) {
    await run('ip', ['netns', 'del', ns], { allowFail: true })
    removed.push(`netns ${ns}`)
  }
  for (const r of going) {
    for (const mount of mountsUnder(r.dir)) await run('umount', ['-l', mount], { allowFail: true })
    removeStateFile(r)
    rmSync(loopbackSudoers(r.prefix), { force: true })
    rmSync(r.dir, { recursive: true, force: true })
    removed.push(`dir ${r.dir}`)
  }
  dropStaleState()
  let still: string[] = []
  await waitFor('lab links and namespaces to go', async () => {
    still = [...(await schemeNamespaces()), ...(await schemeLinks()).map((l) => l.name)].filter((n) => namespaces.includes(n) || links.includes(n))
    return still.length === 0
  }, 3000).catch(() => {
    throw new LabError(`could not remove: ${still.join(' ')}`)
  })
  return removed
}

/** This state file, when the run it names no longer exists. */
function dropStaleState() {
  try {
    const prefix = JSON.parse(readFileSync(statePath(), 'utf8')).prefix
    if (!listRuns().some((r) => r.prefix === prefix)) rmSync(statePath(), { force: true })
  } catch {
    /* none */
  }
}

/** A state file is removed with the run it describes (never a newer run's state). */
function removeStateFile(r: RunInfo) {
  for (const path of new Set([r.statePath, statePath()].filter(Boolean))) {
    try {
      if (JSON.parse(readFileSync(path, 'utf8')).prefix === r.prefix) rmSync(path, { force: true })
    } catch {
      /* no state file, or not one of ours */
    }
  }
}
