// Test code: PostgreSQL samples and member views as the status collector holds them, for the
// pure tests of the engine's figures (engines/postgres/status) and of status/ itself.
import type { RawSample } from '../../../electron/core/engines/postgres/status/query'
import type { MemberView } from '../../../electron/core/engines/engine'

export const NOW = 1_800_000_000_000

export function sample(over: Partial<RawSample> = {}): RawSample {
  return {
    serverMs: NOW,
    inRecovery: false,
    readOnly: false,
    version: '15.8',
    startedMs: NOW - 60_000,
    currentLsn: null,
    timeline: 1,
    receiveLsn: null,
    replayLsn: null,
    replayTsMs: null,
    receiver: null,
    senders: [],
    slots: [],
    ...over,
  }
}

export function view(name: string, s: RawSample | null, over: Partial<MemberView<RawSample>> = {}): MemberView<RawSample> {
  return { name, host: `h-${name}`, port: 5432, aliases: [name, `h-${name}`], instanceKey: `k-${name}`, state: s ? 'up' : 'down', down: null, sample: s, fresh: !!s, disk: null, ...over }
}

export const primary = (lsn: string, over: Partial<RawSample> = {}) => sample({ currentLsn: lsn, ...over })

export const standby = (receive: string, replay: string, over: Partial<RawSample> = {}) =>
  sample({ inRecovery: true, readOnly: true, receiveLsn: receive, replayLsn: replay, receiver: { status: 'streaming', timeline: 1, senderHost: 'db1', senderPort: 5432, slot: null }, ...over })
