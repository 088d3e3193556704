// pg_basebackup's failures, said in terms of what the user can fix.
import { AppError } from '../../../../shared/errors'
import { pgError } from './errors'
import type { PgMember } from './model'

export function explainBackupFailure(err: unknown, up: PgMember, replicaHost: string, messages: readonly string[]): unknown {
  if (!(err instanceof AppError)) return err
  const text = [err.message, ...messages].join('\n')
  const at = `${up.address}:${up.port}`
  if (/no pg_hba\.conf entry/.test(text)) return pgError('cluster_state', `${up.name} refused the replication connection from ${replicaHost}: its pg_hba.conf has no line for ${replicaHost}'s address. Resume the operation (it rewrites the ReplicaDesk block) or check pg_hba.conf on ${up.host}.`, { host: up.host, cause: err.message })
  if (/password authentication failed|no password supplied/.test(text)) return pgError('cluster_state', `${up.name} rejected the replication password from ${replicaHost}. The ~/.pgpass lines may be out of date: adopt the cluster again to set a fresh password on every member.`, { host: up.host, cause: err.message })
  if (/could not connect|Connection refused|timeout expired/i.test(text)) return pgError('cluster_state', `${replicaHost} could not connect to ${up.name} at ${at} during the base backup. Check the network between them, then resume.`, { host: replicaHost, cause: err.message })
  return err
}
