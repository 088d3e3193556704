// STUB: replaced by the rejoin implementation (pg_rewind or rebuild).
import { z } from 'zod'
import type { Step } from '../../operations'
import type { HostExec } from '../host-exec'
import { memberName, pgCluster } from './model'

export const rejoinParams = z.object({
  cluster: pgCluster,
  member: memberName,
  rebuild: z.boolean().default(false),
})
export type RejoinParams = z.output<typeof rejoinParams>

export function buildRejoin(_hosts: HostExec, _p: RejoinParams): Step<RejoinParams>[] {
  throw new Error('not built yet')
}
