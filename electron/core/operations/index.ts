// The operations journal and runner: what engines and the core import.
export { createOperations, type Operations, type OperationsOptions, type Started } from './operations'
export { defineOperationKind, planOperation, type OperationKind } from './definition'
export { loadInstanceId } from './instance-id'
export { ClusterLease, DEFAULT_LEASE_ROOT, type LeaseConfig, type LeaseHolder } from './lease'
export { FAULT_ENV, parseFault } from './fault'
export type * from './types'
