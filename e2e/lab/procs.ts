// Finds lab processes by reading /proc, for cleanups that must work without the state file
// (a crashed run) and for loopback mode, where hosts share the machine's namespaces.
import { readdirSync, readFileSync } from 'node:fs'
import { sleep } from './run'

interface Proc {
  pid: number
  ppid: number
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

function listProcs(): Proc[] {
  const procs: Proc[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    // stat: "pid (comm) state ppid …"; comm may hold spaces or parentheses, so cut at the last ')'.
    const stat = readOr(`/proc/${name}/stat`)
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    if (stat) procs.push({ pid: Number(name), ppid })
  }
  return procs
}

/** Pids whose command line or mount table mentions `needle` (a lab dir), plus all their descendants. */
export function labProcesses(needle: string): number[] {
  const procs = listProcs()
  const mine = ancestors(procs)
  const hits = new Set<number>()
  for (const p of procs) {
    if (mine.has(p.pid)) continue
    // A process inside a lab host's mount namespace shows the host's bind sources in its mountinfo.
    const cmdline = readOr(`/proc/${p.pid}/cmdline`)
    if (cmdline.includes(needle) || readOr(`/proc/${p.pid}/mountinfo`).includes(needle)) hits.add(p.pid)
  }
  return alive(withDescendants(procs, hits))
}

/** This process and its parents: never killed, whatever their command line says. */
function ancestors(procs: Proc[]): Set<number> {
  const parent = new Map(procs.map((p) => [p.pid, p.ppid]))
  const set = new Set<number>()
  for (let pid: number | undefined = process.pid; pid && !set.has(pid); pid = parent.get(pid)) set.add(pid)
  return set
}

export function descendantsOf(roots: number[]): number[] {
  return withDescendants(listProcs(), new Set(roots))
}

function withDescendants(procs: Proc[], set: Set<number>): number[] {
  for (let grew = true; grew; ) {
    grew = false
    for (const p of procs) {
      if (set.has(p.ppid) && !set.has(p.pid) && p.pid !== process.pid) {
        set.add(p.pid)
        grew = true
      }
    }
  }
  return [...set]
}

const state = (pid: number) => {
  const stat = readOr(`/proc/${pid}/stat`)
  return (stat && stat.slice(stat.lastIndexOf(')') + 2)[0]) ?? '' // '' when the pid is gone
}

/** The pids that still run (a zombie is dead, only not yet reaped). */
export const alive = (pids: number[]) => pids.filter((pid) => !['', 'Z'].includes(state(pid)))

/** The pids that are dead but not yet reaped by their parent. */
export const zombies = (pids: number[]) => pids.filter((pid) => state(pid) === 'Z')

function killPids(pids: number[]) {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      /* already gone */
    }
  }
}

/** kill -9 until `find` returns nothing; processes may fork while we kill. */
export async function killUntilGone(find: () => number[] | Promise<number[]>, timeoutMs = 5000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const pids = await find()
    if (pids.length === 0 || Date.now() > deadline) return pids
    killPids(pids)
    await sleep(20)
  }
}
