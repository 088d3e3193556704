// The service address in automatic mode (issue 19): keepalived 2.2.7 (Debian) on every member's
// host, as a pure function of the cluster record. The address follows Patroni's leader with no
// ReplicaDesk awake: each host's check asks its own Patroni `GET /primary` (200 only on the
// leader); a host whose check fails is in FAULT and holds no address, so only the leader can be
// VRRP master. VRRP goes unicast to the other members (no multicast), adverts are accepted only
// from them (check_unicast_src); keepalived opens no port. No VRRP password: VRRPv3 has none
// (keepalived's PASS is v2 only, sent in clear in every advert anyway), and v3 allows the
// sub-second adverts that move the address within about a second of the promotion.
import { createHash } from 'node:crypto'
import { AppError } from '../../../../../shared/errors'
import { isIPv4 } from '../../../../../shared/ip-address'
import type { PgCluster } from '../model'
import { automaticOf, TEMPLATE_MARK, templateHash } from './config'

export const KEEPALIVED_UNIT = 'keepalived.service'
/** Debian's unit runs only this file (ConditionFileNotEmpty); its layout has no conf.d. */
export const KEEPALIVED_CONF = '/etc/keepalived/keepalived.conf'
/** Advert every 200 ms: the master-down timer (3 adverts + skew) is ~0.8 s. Only the leader's check passes, so nothing flaps. */
export const ADVERT_INT_S = 0.2
/** Patroni's GET /primary asked every second, answered within one. */
export const CHECK_INTERVAL_S = 1
export const CURL = '/usr/bin/curl'

/** 1–255 from the scope: the same on every member; two clusters on one LAN collide with a chance of 1 in 255. */
export function virtualRouterId(scope: string): number {
  return (createHash('sha256').update(`replicadesk-vrrp-${scope}`).digest()[0]! % 255) + 1
}

const SAFE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/
/** A value written into the config unquoted: checked again here (the record's schema checks it too). */
function safe(what: string, v: string, ok = SAFE.test(v)): string {
  if (!ok) throw new AppError('invalid_input', `keepalived's configuration cannot carry ${what} ${JSON.stringify(v)}.`, { field: 'serviceAddress' })
  return v
}

/** Why keepalived cannot carry this cluster's address, or undefined. */
export function keepalivedRefusal(c: PgCluster): string | undefined {
  if (!c.serviceAddress) return undefined
  const names = c.members.filter((m) => !isIPv4(m.address)).map((m) => `${m.name} (${m.address})`)
  if (names.length) return `keepalived sends VRRP to the members' IPv4 addresses; ${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} recorded by name. Record the members by IPv4 address first.`
  const hosts = c.members.map((m) => m.host)
  const shared = hosts.filter((h, i) => hosts.indexOf(h) !== i)
  if (shared.length) return `${[...new Set(shared)].join(', ')} carries two members: one keepalived per host can follow only one member's Patroni.`
  return undefined
}

/** The member on `host` (keepalivedRefusal: one per host). */
const memberOn = (c: PgCluster, host: string) => c.members.find((m) => m.host === host)!

/** The config of `host` (first line the template mark), or throws when keepalived cannot carry the address. */
export function keepalivedConfig(c: PgCluster, host: string): string {
  const sa = c.serviceAddress
  if (!sa) throw new AppError('invalid_input', `${c.id} has no service address.`, { field: 'serviceAddress' })
  const refusal = keepalivedRefusal(c)
  if (refusal) throw new AppError('invalid_input', refusal, { field: 'serviceAddress' })
  const a = automaticOf(c)
  const self = memberOn(c, host)
  const iface = safe('the interface', sa.interfaces[host] ?? Object.values(sa.interfaces)[0] ?? '')
  const ip = (v: string) => safe('the address', v, isIPv4(v))
  const check = `${CURL} -s -f -o /dev/null --max-time ${CHECK_INTERVAL_S} http://${ip(self.address)}:${a.restApiPort}/primary`
  const body = [
    `# Written by ReplicaDesk: the service address ${sa.address} of cluster ${c.id} follows Patroni's leader (automatic failover).`,
    `# Held only while this host's Patroni (member ${self.name}) answers GET /primary with 200. Removed by the hand-back.`,
    // Own pid files (/run/keepalived/*_NAME.pid): keepalived refuses to start while its default pid file names a live process.
    `instance replicadesk_${safe('the host', host)}`,
    'global_defs {',
    '  script_user nobody nogroup',
    '  enable_script_security',
    '  vrrp_version 3',
    '}',
    'vrrp_script patroni_leader {',
    `  script "${check}"`,
    `  interval ${CHECK_INTERVAL_S}`,
    '  timeout 2',
    '  fall 1',
    '  rise 1',
    // Failed until the first answer: a host that starts (or boots) never takes the address before asking Patroni.
    '  init_fail',
    '}',
    `vrrp_instance ${safe('the scope', a.scope)} {`,
    '  state BACKUP',
    `  interface ${iface}`,
    `  virtual_router_id ${virtualRouterId(a.scope)}`,
    '  priority 100',
    `  advert_int ${ADVERT_INT_S}`,
    `  unicast_src_ip ${ip(self.address)}`,
    '  unicast_peer {',
    ...c.members.filter((m) => m.host !== host).map((m) => `    ${ip(m.address)}`),
    '  }',
    '  check_unicast_src',
    // Gratuitous ARP on takeover, and once more a second later: clients' caches follow at once.
    '  garp_master_repeat 3',
    '  garp_master_delay 1',
    '  virtual_ipaddress {',
    `    ${ip(sa.address)}/${sa.prefix} dev ${iface}`,
    '  }',
    '  track_script {',
    '    patroni_leader',
    '  }',
    '}',
    '',
  ].join('\n')
  return `${TEMPLATE_MARK}${templateHash(body)}\n${body}`
}

/**
 * Prints one line per problem on this host: `missing keepalived`, `missing curl`,
 * `foreign FILE` (a keepalived config ReplicaDesk did not write). As root (the config is 0600).
 * Args: NEED_CURL(0|1) NEED_KEEPALIVED(0|1) CONF MARK_PREFIX
 */
export const FIND_KEEPALIVED = String.raw`PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
[ "$1" = 1 ] && { [ -x /usr/bin/curl ] || echo "missing curl"; }
if [ "$2" = 1 ]; then
  command -v keepalived >/dev/null 2>&1 || echo "missing keepalived"
  if [ -s "$3" ]; then head -n 1 -- "$3" | grep -qF -- "$4" || echo "foreign $3"; fi
fi
exit 0`
