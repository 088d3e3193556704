// Public surface of live status; everything else in this folder is internal. See README.md.
export { createStatusService, type StatusService, type StatusServiceOptions, type StatusServiceEvent } from './service'
export { readStatusOnce, type OneShotOptions } from './oneshot'
export { liveLastPrimary, PositionStore, type StoredPosition } from './positions'
export type { StatusClusterInput, StatusMemberInput, CollectorOptions } from './types'
