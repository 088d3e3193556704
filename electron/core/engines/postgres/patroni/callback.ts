// Alerts from the servers themselves (issue 19): Patroni's postgresql.callbacks.on_role_change
// runs a small script ReplicaDesk writes per member, which POSTs the cluster's notification URL
// the same kind of message the health verdict sends (an ntfy topic gets a readable message, any
// other URL a JSON body). Patroni runs it as `sh SCRIPT ACTION ROLE SCOPE`; it sends in the
// background (curl, bounded) and returns at once, so it never holds Patroni's loop up. Every
// member's Patroni config names its script, with or without a URL: changing the URL later is a
// rewrite of the scripts, never a Patroni restart. Without a URL the script sends nothing.
// On a host that runs an etcd voter, becoming the primary also moves etcd's leadership off this
// host (etcd-leader.ts), in the background too, bounded, its outcome never Patroni's concern.
import { isNtfyUrl } from '../../../health/notify'
import type { PgCluster, PgMember } from '../model'
import { callbackFile, TEMPLATE_MARK, templateHash } from './config'
import { localEtcdEndpoint, moveLeaderArgv } from './etcd-leader'
import { CURL } from './keepalived'

export { callbackFile }
/** curl's bounds: connecting, and the whole request. */
export const CALLBACK_TIMEOUTS_S = { connect: 3, total: 10 } as const

/** A shell word that is exactly `s`, whatever it holds. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/** The script of member `m` (first line the template mark). */
export function callbackScript(c: PgCluster, m: PgMember): string {
  const head = [
    `# Written by ReplicaDesk: Patroni's on_role_change callback of member ${m.name} of cluster ${c.id}.`,
    '# Args (from Patroni): ACTION ROLE SCOPE. Sends in the background and returns at once.',
  ]
  const url = c.notifyUrl
  const body = [...head, ...etcdLeaderMove(c, m), ...(url ? sender(c, m, url) : ['# The cluster has no notification URL: nothing is sent.', 'exit 0'])]
  const text = `${body.join('\n')}\n`
  return `${TEMPLATE_MARK}${templateHash(text)}\n${text}`
}

/** Lines that move etcd's leadership off this host when the member becomes the primary (none without a local voter). */
function etcdLeaderMove(c: PgCluster, m: PgMember): string[] {
  const endpoint = localEtcdEndpoint(c, m)
  if (!endpoint) return []
  const move = moveLeaderArgv(endpoint).map(shellQuote).join(' ')
  return [
    "# A primary's host should not also lead etcd (a failover would wait for an etcd election): hand etcd's leadership on.",
    'case ${2-} in',
    `  master | primary) (${move}) </dev/null >/dev/null 2>&1 & ;;`,
    'esac',
  ]
}

function sender(c: PgCluster, m: PgMember, url: string): string[] {
  // --globoff: curl would read {…} and […] in the URL as patterns. Patroni 3.0.2 says master for a primary; anything unexpected becomes "unknown" (so the role is always [a-z_]).
  const role = [
    'case ${2-} in',
    '  master | primary) role=primary ;;',
    '  replica | standby_leader | demoted | uninitialized) role=$2 ;;',
    '  *) role=unknown ;;',
    'esac',
    'at=$(date -u +%Y-%m-%dT%H:%M:%SZ)',
  ]
  const curl = [CURL, '-s', '-o', '/dev/null', '--globoff', '--proto', '=http,https', '--connect-timeout', String(CALLBACK_TIMEOUTS_S.connect), '--max-time', String(CALLBACK_TIMEOUTS_S.total), '-X', 'POST']
  let prep: string[]
  let call: string
  if (isNtfyUrl(url)) {
    prep = [
      `title=${shellQuote(`ReplicaDesk: ${m.name} of cluster ${c.id} is now `)}"$role"`,
      `text=${shellQuote(`${m.name} on ${m.host} became `)}"$role (Patroni, $at)."`,
      'prio=default; [ "$role" = primary ] && prio=high',
    ]
    call = `${curl.join(' ')} -H "Title: $title" -H "Priority: $prio" -H 'Tags: arrows_counterclockwise' -H 'Content-Type: text/plain; charset=utf-8' --data-binary "$text" --url ${shellQuote(url)}`
  } else {
    // The fixed part JSON-encoded here; role and time are [a-z_] and digits, safe inside JSON.
    const fixed = JSON.stringify({ source: 'replicadesk', event: 'role_change', cluster: c.id, member: m.name, host: m.host }).slice(0, -1)
    prep = [`json=${shellQuote(fixed)}',"role":"'"$role"'","at":"'"$at"'"}'`]
    call = `${curl.join(' ')} -H 'Content-Type: application/json' --data-binary "$json" --url ${shellQuote(url)}`
  }
  return [...role, ...prep, `(${call}) </dev/null >/dev/null 2>&1 &`, 'exit 0']
}
