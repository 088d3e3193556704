// Database engines behind one interface (engine.ts); PostgreSQL first.
export type { Engine, EngineId, HostDetection, DetectedInstance, InstalledVersion, CreateClusterInput, AddReplicaInput, RemoveReplicaInput } from './engine'
export { sshHostExec, remoteRunnerOf, type HostExec } from './host-exec'
export * as postgres from './postgres'
