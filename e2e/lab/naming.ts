// Names of everything a lab run creates. Each run gets its own prefix, so a leftover from a
// crashed run never collides with a new one, and one pattern finds every run's leftovers.
import { randomInt } from 'node:crypto'
import { run } from './run'

/** "rdl" + 4 chars: a bridge "rdlk3x9br" or veth "rdlk3x9h12" stays within 15 chars (IFNAMSIZ). */
export const prefixPattern = /^rdl[a-z0-9]{4}$/
export const nsPattern = /^rdl[a-z0-9]{4}-[a-z][a-z0-9-]*$/
export const linkPattern = /^rdl[a-z0-9]{4}(br|h\d+)$/

export function newPrefix(): string {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789'
  let id = ''
  for (let i = 0; i < 4; i++) id += chars[randomInt(chars.length)]
  return `rdl${id}`
}

/** The run prefix at the start of a lab netns or link name. */
export const prefixOf = (name: string) => name.slice(0, 7)

export const bridgeName = (prefix: string) => `${prefix}br`
export const vethName = (prefix: string, index: number) => `${prefix}h${index}`
export const nsName = (prefix: string, host: string) => `${prefix}-${host}`

export const hostNamePattern = /^[a-z][a-z0-9-]{0,30}$/

/** Host index i gets .10+i on the bridge; the machine side is .1. */
export const hostAddress = (x: number, index: number) => `10.77.${x}.${10 + index}`

/** Picks X for 10.77.X.0/24 among values no address or route on the machine uses yet. */
export async function pickSubnet(): Promise<number> {
  const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show'])
  const routes = await run('ip', ['-4', 'route', 'show', 'table', 'all'])
  const used = new Set<number>()
  for (const m of (stdout + routes.stdout).matchAll(/\b10\.77\.(\d+)\./g)) used.add(Number(m[1]))
  const free = Array.from({ length: 254 }, (_, i) => i + 1).filter((x) => !used.has(x))
  if (free.length === 0) throw new Error('no free 10.77.X.0/24 subnet for the lab')
  return free[randomInt(free.length)]!
}
