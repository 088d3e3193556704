// How long Patroni 3.0.2 + etcd 3.4 take to replace a dead primary for given timings (pure): the
// plan and the page show it next to ttl, loop_wait and retry_timeout. Where the time goes, read
// in Patroni's ha.py / etcd3.py and etcd's lessor, power-off of the leader's host, sync mode:
//   1. the leader key's lease expires: it was renewed at most loop_wait before the power-off, so
//      ttl − loop_wait … ttl later. When the dead host also led etcd, the survivors first elect a
//      new etcd leader (1–2 s), which renews every lease by ttl + its election timeout (1 s).
//      (Each new primary moves etcd's leadership to another voter, etcd-leader.ts: that case is rare.)
//   2. the synchronous standby, woken by the key's deletion (a watch), asks every member it knew
//      for its position, the dead leader too: Patroni's fixed 2 s timeout on its REST API.
//   3. it takes the key and promotes; in strict mode synchronous_standby_names = '*', so the first
//      write is acknowledged once another standby, woken by the new key, re-points and streams on
//      the new timeline (walreceiver retries every 1 s): 2–3 s for both on the lab.
// Calibrated on the lab (2 cores, load 4–6): ttl 10 / loop_wait 2 gave 12.3–17 s (this says
// 12.5–17), ttl 7 / loop_wait 1 gave 12.0 s when etcd's leader survived and 13.4–14.7 s when it
// died too (this says 11 and 14), Patroni's defaults 36.3 s with etcd's leader dead (37).
// A network blip shorter than retry_timeout costs nothing: the leader keeps retrying etcd that
// long before it gives up (and ttl ≥ loop_wait + 2 × retry_timeout keeps its key alive meanwhile).

export interface PatroniTimings {
  ttl: number
  loop_wait: number
  retry_timeout: number
}

/** Patroni's own defaults (3.0.2), for comparison. */
export const PATRONI_DEFAULT_TIMINGS: PatroniTimings = { ttl: 30, loop_wait: 10, retry_timeout: 10 }

/** Patroni's fixed timeout on a member's REST API while it decides who is healthiest (ha.py). */
const REST_TIMEOUT_S = 2
/** Promotion, then a standby re-pointed and streaming on the new timeline (the first synchronous commit). */
const PROMOTE_AND_STREAM_S = 2.5
/** A new etcd leader (election timeout 1 s, randomized up to 2 s) that renews every lease by 1 s more. */
const ETCD_LEADER_LOST_S = 2.5

export interface ExpectedFailover {
  /** The dead host did not lead etcd and had just renewed nothing: the quickest case. */
  fromS: number
  /** The mean when the dead host did not lead etcd. */
  typicalS: number
  /** The dead host also led etcd. */
  toS: number
}

/** Power-off of the primary's host → first acknowledged write on the new one, in seconds. */
export function expectedFailover(t: PatroniTimings): ExpectedFailover {
  const after = REST_TIMEOUT_S + PROMOTE_AND_STREAM_S
  return { fromS: t.ttl - t.loop_wait + after, typicalS: t.ttl - t.loop_wait / 2 + after, toS: t.ttl + ETCD_LEADER_LOST_S + after }
}

/** Why Patroni would refuse the timings (its rule: loop_wait + 2 × retry_timeout ≤ ttl), or undefined. */
export function timingsProblem(t: PatroniTimings): string | undefined {
  if (![t.ttl, t.loop_wait, t.retry_timeout].every((x) => Number.isInteger(x) && x >= 1)) return 'ttl, loop_wait and retry_timeout are whole seconds, at least 1'
  if (t.loop_wait + 2 * t.retry_timeout > t.ttl) return `loop_wait + 2 × retry_timeout (${t.loop_wait + 2 * t.retry_timeout} s) must not exceed ttl (${t.ttl} s): the leader's key would expire while it still retries etcd`
  return undefined
}

const s = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1))

/** One sentence for plans and the page. */
export function describeExpectedFailover(t: PatroniTimings): string {
  const e = expectedFailover(t)
  return `With ttl ${t.ttl} s, loop_wait ${t.loop_wait} s and retry_timeout ${t.retry_timeout} s a powered-off primary is replaced in about ${s(e.typicalS)} s (${s(e.fromS)}–${s(e.toS)} s; the longest only when its host also led etcd, which each new primary hands to another voter), with nobody clicking; a network blip shorter than ${t.retry_timeout} s changes nothing.`
}
