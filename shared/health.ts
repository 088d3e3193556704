// The health verdict of a cluster: how many member failures it survives without losing an
// acknowledged write and without losing write availability, and every single point of
// failure with what to do. Computed in the core from the settings and live status.
import { z } from 'zod'
import { clusterId } from './clusters'

export const healthFinding = z.object({
  /** Stable for the same finding (a notification is sent once per new id). */
  id: z.string(),
  severity: z.enum(['critical', 'warning', 'info']),
  /** What is wrong, with numbers. */
  text: z.string(),
  /** What to do about it. */
  fix: z.string(),
})
export type HealthFinding = z.infer<typeof healthFinding>

export const survival = z.object({
  /** Member failures survived (more than those already down). */
  failures: z.number().int().min(0),
  /** One line of reasoning. */
  why: z.string(),
})
export type Survival = z.infer<typeof survival>

export const healthVerdict = z.object({
  cluster: clusterId,
  at: z.string(),
  /** healthy: no warning or critical finding; degraded: at least one; unknown: no live status yet. */
  state: z.enum(['healthy', 'degraded', 'unknown']),
  /** Without losing an acknowledged write. */
  noLoss: survival,
  /** Without losing write availability (a failover allowed). */
  writes: survival,
  findings: z.array(healthFinding),
  /** The service address and who holds it now (unknown: did not answer), when the cluster has one. */
  serviceAddress: z.object({ address: z.string(), holders: z.array(z.string()), unknown: z.array(z.string()) }).nullable().default(null),
})
export type HealthVerdict = z.infer<typeof healthVerdict>

/** CLI exit code of `replicadesk health`: cron and monitoring read it. */
export const HEALTH_EXIT: Record<HealthVerdict['state'], number> = { healthy: 0, degraded: 5, unknown: 5 }

/** What got worse since the last verdict: new findings (not info) and lower survival numbers. */
export const healthWorse = z.object({ findings: z.array(healthFinding), survival: z.array(z.string()) })
export type HealthWorse = z.infer<typeof healthWorse>

/**
 * One point of the verdict history: written when the state, a survival number or the set of
 * findings changes, so a verdict holds from its `at` until the next entry's.
 */
export const healthHistoryEntry = z.object({
  at: z.string(),
  state: healthVerdict.shape.state,
  /** Failures survived without losing an acknowledged write. */
  noLoss: z.number().int().min(0),
  /** Failures survived while still accepting writes. */
  writes: z.number().int().min(0),
  /** Ids of the findings then (the text, with its changing numbers, is in the verdict). */
  findings: z.array(z.string()),
})
export type HealthHistoryEntry = z.infer<typeof healthHistoryEntry>

/** Kept as long as the lag history (900 s by default); the first entry may predate the window: it is the verdict in force when the window starts. */
export const healthHistory = z.object({ cluster: clusterId, entries: z.array(healthHistoryEntry) })
export type HealthHistory = z.infer<typeof healthHistory>

export const healthHistoryInput = z.object({ cluster: clusterId, seconds: z.number().int().min(1).max(24 * 3600).default(900) }).strict()
