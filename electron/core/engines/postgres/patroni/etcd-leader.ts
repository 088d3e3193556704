// etcd's leadership kept off the Patroni leader's host. When the primary's host dies and it also
// led etcd, the survivors first elect an etcd leader and the new one renews every lease for a
// full ttl before Patroni's key can expire: failover took ~2.5 s longer on the lab (13.3–14.7 s
// against 10.5–12 s). So the member that becomes Patroni's primary hands etcd's leadership to
// another voter (`etcdctl move-leader`) when its own host leads etcd: from its role-change callback
// (callback.ts), and once at the end of the hand-over (Patroni runs no callback when it adopts the
// running primary).
import type { PgCluster, PgMember } from '../model'
import { automaticOf, CA_FILE, etcdClientUrl, tlsFile, votersOf } from './config'

/** Bound of each etcdctl call (timeout(1)); the script makes at most 2 + voters − 1 of them. */
export const MOVE_CALL_TIMEOUT_S = 10

/**
 * As postgres (the client key's owner): when the etcd at ENDPOINT leads, moves the leadership to
 * another voter that answers now (`endpoint status --cluster` lists only those; a voter that is
 * down would take a whole command timeout to refuse), the first that takes it. Prints what it
 * did; always exits 0. Args: ENDPOINT CA CERT KEY
 */
export const MOVE_ETCD_LEADER = String.raw`ep=$1 ca=$2 cert=$3 key=$4
ctl() { timeout ${MOVE_CALL_TIMEOUT_S} etcdctl --endpoints="$ep" --cacert="$ca" --cert="$cert" --key="$key" --dial-timeout=2s "$@"; }
st=$(ctl --command-timeout=5s endpoint status -w simple) || { echo "no answer from $ep"; exit 0; }
self=$(printf '%s\n' "$st" | awk -F', ' 'NR == 1 { print $2 }')
[ "$(printf '%s\n' "$st" | awk -F', ' 'NR == 1 { print $5 }')" = true ] || { echo "not the etcd leader"; exit 0; }
for id in $(ctl --command-timeout=2s endpoint status --cluster -w simple 2>/dev/null | awk -F', ' -v self="$self" '$2 != self && $6 == "false" { print $2 }'); do
  ctl --command-timeout=5s move-leader "$id" >/dev/null 2>&1 && { echo "moved to $id"; exit 0; }
done
echo "could not move the leadership off $self"
exit 0`

/** The local etcd endpoint of member `m`'s host; undefined when that host runs no voter. */
export function localEtcdEndpoint(c: PgCluster, m: Pick<PgMember, 'host'>): string | undefined {
  const v = votersOf(c, automaticOf(c)).find((x) => x.name === m.host)
  return v && etcdClientUrl(v)
}

/** argv of MOVE_ETCD_LEADER against `endpoint` (run it as postgres). */
export const moveLeaderArgv = (endpoint: string) => ['sh', '-c', MOVE_ETCD_LEADER, 'sh', endpoint, CA_FILE, tlsFile('client', 'crt'), tlsFile('client', 'key')]
