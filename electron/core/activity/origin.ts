// Who made a remote command run, for the activity log: the status collector's routine reads
// ('status'), an operation's steps ('operation'), a host test ('host-test'), or a call a user
// made ('user'). Set by whoever starts the work, around it, and carried through every await and
// timer it makes (AsyncLocalStorage), so the SSH layer that records the command needs no
// parameter threaded through engines and steps. The innermost setter wins: an operation
// started by a user's call is 'operation'.
import { AsyncLocalStorage } from 'node:async_hooks'
import type { ActivityOrigin } from '../../../shared/ssh'

export type { ActivityOrigin } from '../../../shared/ssh'

const current = new AsyncLocalStorage<ActivityOrigin>()

/** Runs `fn` with `origin` for every command it (and what it schedules) runs. */
export const withOrigin = <T>(origin: ActivityOrigin, fn: () => T): T => current.run(origin, fn)

/** The origin of the work running now; undefined outside any (e.g. a test calling the SSH layer directly). */
export const currentOrigin = (): ActivityOrigin | undefined => current.getStore()
