// The write probe of the switchover and failover lab tests and benchmarks (README.md).
export { WriteProbe, type WriteProbeOptions, type ProbeStats } from './probe'
export { setupProbe, teardownProbe, labPsql, type LabProbeMember, type ProbeAccess, type ProbeSetupOptions, type RunSql } from './setup'
export { analyse, describeReport, firstAckAfter, overlaps, type Report, type Gap, type Overlap, type Phantom } from './analyse'
export { classifyError, isSyncCancelWarning } from './outcome'
export { PROBE_ROLE, PROBE_TABLE } from './connect'
export { wallClock, type Attempt, type Outcome, type ProbeMember, type Span, type SplitInstant, type Writability } from './types'
export { arm, faultKinds, postmasterPid, FAULT_KINDS, type ArmedFault, type FaultKind } from './faults'
