// The plain sentences the hand-over plan opens with (pure): what changes (Patroni decides role
// changes from then on), that nothing is copied, that writes do not pause, what the settings
// become in Patroni's terms.
import { listed } from '../plan-words'
import { automaticOf, FAILSAFE_MODE, meaningChanges, TIMINGS } from './config'
import { describeExpectedFailover } from './failover-time'
import type { HandoverParams } from './handover'

export function handoverSummary(p: HandoverParams): string[] {
  const c = p.cluster
  return [
    `Cluster ${c.id} is handed over to Patroni + etcd (etcd voters on ${listed(automaticOf(c).etcdHosts)}): from then on a dead primary is replaced with nobody clicking.`,
    describeExpectedFailover(TIMINGS),
    FAILSAFE_MODE
      ? 'failsafe_mode is on: with two etcd voters down the primary keeps accepting writes while its Patroni reaches every other member.'
      : 'failsafe_mode stays off: with two etcd voters down nobody fails over and Patroni makes the primary read-only until a voter is back (no second primary can appear). Patroni 3.0.2\'s failsafe would need the same REST API password on every member and would only help while etcd alone is down on two hosts that stay up.',
    'Nothing is copied: every member keeps its data dir. Patroni adopts the running primary with a reload, no restart: writes do not pause (under 0.5 s measured).',
    'Nothing acknowledged is lost by the hand-over itself.',
    ...meaningChanges(c),
  ]
}

/** The hand-back's plan opens with what ReplicaDesk takes back and what stays running. */
export function handbackSummary(p: { cluster: HandoverParams['cluster']; keepEtcd?: boolean }): string[] {
  const c = p.cluster
  return [
    `Cluster ${c.id} is taken back from Patroni: Patroni is paused, then stopped and disabled on every member; ${p.keepEtcd ? `etcd keeps running on ${listed(automaticOf(c).etcdHosts)} (--keep-etcd; this cluster's keys are deleted)` : `etcd stops on ${listed(automaticOf(c).etcdHosts)} (its data dir and certificates stay for a later hand-over)`}.`,
    'PostgreSQL is not restarted: each member gets ReplicaDesk\'s own configuration back with a reload (the primary first, then each standby once the previous one streams again). Writes pause for under a second (80–730 ms measured on the lab); nothing acknowledged is lost.',
    'From then on a dead primary waits for your click again (ReplicaDesk\'s one-click failover); ReplicaDesk\'s switchover, failover and settings apply to this cluster again.',
  ]
}

/** The switchover through Patroni: who hands over to whom, and the write pause to expect. */
export function patroniSwitchoverSummary(p: { cluster: HandoverParams['cluster']; from: string; to: string }): string[] {
  return [
    `Patroni switches ${p.cluster.id}'s primary from ${p.from} to ${p.to} (POST /switchover on ${p.from}'s REST API): ${p.from} stops cleanly and comes back as a replica of ${p.to} through Patroni.`,
    'Writes pause for about 3–4 s (3.3–3.7 s measured on the lab, synchronous mode): Patroni stops the leader cleanly, promotes the candidate, and writes wait until a standby streams from it again (within its loop_wait); nothing acknowledged is lost.',
  ]
}

/** The failover through Patroni: Patroni decides, and what it may refuse. */
export function patroniFailoverSummary(p: { cluster: HandoverParams['cluster']; from: string | null; to: string }): string[] {
  return [
    `Patroni fails ${p.cluster.id} over to ${p.to} (POST /failover {"candidate": "${p.to}"} on ${p.to}'s REST API): Patroni decides, ReplicaDesk only asks and then reads Patroni's answer.${p.from ? ` ${p.from} leads now: Patroni 3.0.2 lets it demote itself cleanly and it comes back as a replica of ${p.to}.` : ' No member leads now: Patroni promotes the candidate once it is found healthy.'}`,
    'Patroni refuses a candidate tagged never-promote (nofailover), and in synchronous mode any candidate but its synchronous standby (so no acknowledged write is lost); a paused Patroni is not asked.',
  ]
}
