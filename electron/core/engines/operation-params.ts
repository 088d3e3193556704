// Params every engine's create-cluster and remove-replica operations journal alike, beside the
// engine's own cluster record and member name, and the rule remove-replica holds them to.
import { z } from 'zod'
import { knownDataDirs } from './data-dir-guard'

export const createClusterFields = {
  /** init: a new primary in an empty data dir; adopt: the running server becomes the primary. */
  mode: z.enum(['init', 'adopt']),
  /** adopt: the user agreed to restart the primary when a setting that needs a restart differs. */
  allowRestart: z.boolean().default(true),
  knownDataDirs,
}

export const removeReplicaFields = {
  /** The user confirmed that the member's data dir is deleted. */
  deleteData: z.boolean().default(false),
  knownDataDirs,
}

/** remove-replica: the cluster (still listing the member to remove) keeps its primary. */
export function keepsPrimary(ctx: z.RefinementCtx, members: readonly unknown[]): void {
  if (members.length < 2) ctx.addIssue({ code: 'custom', message: 'The cluster must keep its primary', path: ['cluster', 'members'] })
}
