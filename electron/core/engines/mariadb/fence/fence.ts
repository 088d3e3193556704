// Fencing a member and undoing it (fence/scripts.ts says what a fence is): one remote command
// as root each, bounded, naming the member when it fails.
import type { MariaCluster } from '../model'
import { pidFile, optionFile } from '../model'
import type { Command, MariaNode } from '../node'
import { execTimeoutMs } from '../instance'
import { SET_READ_ONLY } from '../roles'
import { STOP_PLAIN } from '../scripts'
import { FENCE, FENCED, fenceMarker, UNFENCE } from './scripts'

/** How long a fence waits for the server to stop (a clean shutdown of a busy server takes a while). */
export const FENCE_STOP_LIMIT_S = 120

/** `stop`: also stop the server (else the files only: marker, read_only, the unit disabled). */
export function fenceCommand(n: MariaNode, reason: string, stop: boolean, limitS = FENCE_STOP_LIMIT_S): Command {
  const m = n.member
  const what = `fence marker ${fenceMarker(m)}, read_only = ON in ${optionFile(m)}${m.layout === 'debian' ? ', the mariadb unit disabled' : ''}`
  return n.root(['sh', '-c', FENCE, 'sh', fenceMarker(m), m.name, m.dataDir, reason, optionFile(m), m.layout, pidFile(m), String(limitS), SET_READ_ONLY, stop ? STOP_PLAIN : '-'], stop ? `${what}, then the server stopped (SIGTERM to this datadir's mariadbd only)` : what)
}

/**
 * Fences the member and stops its server; says how it stopped ("stopped", "not running").
 * Bounded by `timeoutMs` (connect included) when given. Idempotent.
 */
export async function fence(n: MariaNode, reason: string, timeoutMs?: number): Promise<string> {
  const r = await n.run(fenceCommand(n, reason, true), { timeoutMs: timeoutMs ?? execTimeoutMs(FENCE_STOP_LIMIT_S) })
  return r.stdout.trim().split('\n').at(-1) ?? ''
}

/** The fence's files only (the server is stopped already). */
export async function fenceFiles(n: MariaNode, reason: string, timeoutMs?: number): Promise<void> {
  await n.run(fenceCommand(n, reason, false), timeoutMs ? { timeoutMs } : {})
}

export const unfenceCommand = (n: MariaNode): Command => n.root(['sh', '-c', UNFENCE, 'sh', fenceMarker(n.member), n.member.layout], `fence marker removed${n.member.layout === 'debian' ? ', the mariadb unit enabled again' : ''}`)

/** Removes the fence (the member may start again); rejoin calls this before it starts a fenced member. */
export async function unfence(n: MariaNode): Promise<void> {
  await n.run(unfenceCommand(n))
}

/** Whether the member's fence marker is there. */
export async function isFenced(n: MariaNode, timeoutMs?: number): Promise<boolean> {
  return (await n.run(n.login(['sh', '-c', FENCED, 'sh', fenceMarker(n.member)]), timeoutMs ? { timeoutMs } : {})).stdout.startsWith('fenced')
}

/** For messages: a cluster's member list without the fenced ones. */
export const unfencedNames = (c: MariaCluster, except: readonly string[] = []) => c.members.filter((m) => !c.fenced.includes(m.name) && !except.includes(m.name)).map((m) => m.name)
