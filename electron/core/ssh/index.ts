// Public surface of the SSH layer; everything else in this folder is internal.
export { createSshService, type SshService, type SshServiceOptions, type HostTestResult, type HostProbe, type ConfigHost, type ActivitySink } from './service'
export type { ExecOptions, ExecResult } from './exec'
export type { HostState, HostStateName } from './pool'
export type { Target } from './target'
export type { StreamLocal, StreamLocalOptions } from './stream-local'
export type { SecretPrompt, SecretRequest } from './auth'
export { JsonFileTrustStore, MemoryTrustStore, type TrustStore, type TrustedKey } from './trust-store'
export { secret, SecretArg, type Arg } from './quote'
