// Errors cross every boundary (IPC, WebSocket, CLI, local channel) as plain data and are
// rebuilt into AppError on the other side, so callers can switch on `code`.
import { z } from 'zod'

export const errorCodes = [
  'invalid_input', // a boundary input failed its schema
  'not_found', // a record the caller named does not exist
  'conflict', // the record exists already / concurrent change
  'store_corrupt', // a data-dir file is damaged (truncated, wrong shape); left in place, never written over
  'store_version', // a data-dir file was written by a newer ReplicaDesk
  'store_unavailable', // the data dir or a file in it cannot be read or written (read-only, a folder where a file should be, permissions)
  'store_locked', // another process holds the data-dir lock too long
  'unauthorized', // missing or wrong token / sender
  'unknown_method', // a method name outside the contract
  'transport', // the connection to the core dropped
  'ssh_connect', // TCP / handshake failure, host unreachable
  'ssh_timeout', // connect or command timed out
  'ssh_auth', // authentication refused
  'ssh_host_key_unknown', // first contact: user must confirm the fingerprint
  'ssh_host_key_changed', // key differs from the trusted one: refused
  'ssh_host_key_revoked', // key is marked @revoked in known_hosts
  'ssh_shell_unsupported', // login shell is not POSIX (fish, csh …)
  'ssh_sudo_password', // sudo -n needs a password
  'command_failed', // remote command exited non-zero or by signal
  'output_too_large', // remote output hit the cap
  'preflight_failed', // a pre-flight check refused an operation before it changed anything
  'version_mismatch', // a member's major version differs from the primary's
  'cluster_state', // the cluster is not in a state the operation can start from
  'not_streaming', // a standby started but did not stream in time
  'secrets_unavailable', // no OS keychain to remember a secret with
  'confirmation_required', // a role change needs the user's yes (after they saw the plan)
  'split_brain', // two members accept writes: only fencing and rejoin may run
  'internal', // a bug: anything not mapped above
] as const

export type ErrorCode = (typeof errorCodes)[number]

export const errorDataSchema = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  detail: z.unknown().optional(),
})
export type ErrorData = z.infer<typeof errorDataSchema>

export class AppError extends Error {
  readonly code: ErrorCode
  readonly detail: unknown
  constructor(code: ErrorCode, message: string, detail?: unknown) {
    super(message)
    this.name = 'AppError'
    this.code = code
    this.detail = detail
  }
  toData(): ErrorData {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail }
  }
  static fromData(data: ErrorData): AppError {
    return new AppError(data.code, data.message, data.detail)
  }
}

/** Any thrown value as error data; unknown errors become `internal` with their message. */
export function toErrorData(err: unknown): ErrorData {
  if (err instanceof AppError) return err.toData()
  const parsed = errorDataSchema.safeParse(err)
  if (parsed.success) return parsed.data
  const message = err instanceof Error ? err.message : String(err)
  return { code: 'internal', message: `Internal error: ${message}` }
}
