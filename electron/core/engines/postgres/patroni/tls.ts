// etcd with TLS and client certificates (issue 19: no open doors). A small CA is made with openssl
// on the first voter and never leaves it; every host makes its own private keys (0600, owned by
// the user that reads them) and sends only a certificate request, which the CA host signs. Only
// public data (requests, certificates) passes through ReplicaDesk, over stdin, and nothing of it
// is written into ReplicaDesk's files. Per host, in TLS_DIR:
//   ca.crt                 every host (0644); ca.key, ca.srl only on the CA host (0600 root)
//   etcd.key / etcd.crt    voters: etcd's server and peer certificate (key 0600 etcd), SAN = its address
//   client.key / .crt      member hosts: Patroni's and etcdctl's client certificate (key 0600 postgres)
import { isIP } from 'node:net'
import { AppError } from '../../../../../shared/errors'
import type { Step } from '../../../operations'
import type { HostExec } from '../../host-exec'
import type { PgCluster } from '../model'
import { automaticOf, CA_FILE, TLS_DIR, tlsFile, votersOf } from './config'
/** Ten years: a home lab should not break on a forgotten renewal; the CA stays on the servers. */
const DAYS = '3650'
const TLS_TIMEOUT_MS = 30_000

/** etcdctl's options for TLS with the client certificate (run as postgres, the key's owner). */
export const etcdctlTls = () => [`--cacert=${CA_FILE}`, `--cert=${tlsFile('client', 'crt')}`, `--key=${tlsFile('client', 'key')}`]

/** As root: the CA (made once, EC P-256), printed as PEM. Args: DIR SUBJECT DAYS */
export const MAKE_CA = String.raw`set -eu
d=$1
install -d -m 755 -o root -g root -- "$d"
if [ ! -s "$d/ca.key" ] || [ ! -s "$d/ca.crt" ]; then
  umask 077
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$d/ca.key.tmp" -out "$d/ca.crt.tmp" -days "$3" -subj "$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>"$d/ca.err" || { cat "$d/ca.err" >&2; exit 1; }
  rm -f -- "$d/ca.err"
  chmod 600 -- "$d/ca.key.tmp"; chmod 644 -- "$d/ca.crt.tmp"
  mv -f -- "$d/ca.key.tmp" "$d/ca.key"; mv -f -- "$d/ca.crt.tmp" "$d/ca.crt"
fi
cat -- "$d/ca.crt"`

/**
 * As root: ca.crt from stdin (0644), then NAME.key (kept when there, else made: 0600 OWNER) and,
 * unless NAME.crt already verifies against that CA and matches the key, a request printed as PEM.
 * Prints `ok` when nothing is to sign. Args: DIR NAME OWNER CN
 */
export const KEY_REQUEST = String.raw`set -eu
d=$1 n=$2 owner=$3
install -d -m 755 -o root -g root -- "$d"
umask 022
cat > "$d/ca.crt.in"
if [ -s "$d/ca.key" ]; then rm -f -- "$d/ca.crt.in"; else chmod 644 -- "$d/ca.crt.in"; mv -f -- "$d/ca.crt.in" "$d/ca.crt"; fi
if [ ! -s "$d/$n.key" ]; then
  umask 077
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$d/$n.key.tmp" 2>/dev/null
  chown "$owner:" -- "$d/$n.key.tmp"; chmod 600 -- "$d/$n.key.tmp"
  mv -f -- "$d/$n.key.tmp" "$d/$n.key"
fi
if [ -s "$d/$n.crt" ] && openssl verify -CAfile "$d/ca.crt" "$d/$n.crt" >/dev/null 2>&1 \
  && [ "$(openssl x509 -in "$d/$n.crt" -noout -pubkey)" = "$(openssl pkey -in "$d/$n.key" -pubout)" ]; then echo ok; exit 0; fi
openssl req -new -key "$d/$n.key" -subj "/CN=$4"`

/** As root on the CA host: signs the request on stdin, prints the certificate. Args: DIR KIND(server|client) SAN DAYS */
export const SIGN = String.raw`set -eu
d=$1 t=$(mktemp -d)
trap 'rm -rf -- "$t"' EXIT
cat > "$t/req.csr"
case $2 in server) eku=serverAuth,clientAuth ;; *) eku=clientAuth ;; esac
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n' "$eku" > "$t/ext"
if [ -n "$3" ]; then printf 'subjectAltName=%s\n' "$3" >> "$t/ext"; fi
openssl x509 -req -in "$t/req.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAserial "$d/ca.srl" -CAcreateserial -days "$4" -extfile "$t/ext" -out "$t/out.crt" 2>"$t/err" || { cat "$t/err" >&2; exit 1; }
cat -- "$t/out.crt"`

/** As root: the certificate on stdin becomes NAME.crt (0644). Args: DIR NAME */
export const PUT_CERT = String.raw`set -eu
umask 022
cat > "$1/$2.crt.tmp"
mv -f -- "$1/$2.crt.tmp" "$1/$2.crt"`

/** Per NAME: `NAME ok` when NAME.crt verifies against ca.crt and matches NAME.key, else `NAME missing`. Args: DIR NAME… */
export const TLS_STATE = String.raw`d=$1; shift
for n; do
  if [ -s "$d/$n.crt" ] && [ -s "$d/$n.key" ] && openssl verify -CAfile "$d/ca.crt" "$d/$n.crt" >/dev/null 2>&1 \
    && [ "$(openssl x509 -in "$d/$n.crt" -noout -pubkey 2>/dev/null)" = "$(openssl pkey -in "$d/$n.key" -pubout 2>/dev/null)" ]; then echo "$n ok"; else echo "$n missing"; fi
done
exit 0`

interface Wanted {
  host: string
  name: 'etcd' | 'client'
  owner: string
  cn: string
  kind: 'server' | 'client'
  san: string
}

/** Every certificate the cluster needs: etcd's on each voter, a client one on each member host. */
export function wantedCerts(c: PgCluster): Wanted[] {
  const voters = votersOf(c, automaticOf(c))
  const memberHosts = [...new Set(c.members.map((m) => m.host))]
  return [
    ...voters.map((v) => ({ host: v.name, name: 'etcd' as const, owner: 'etcd', cn: `etcd ${v.name}`, kind: 'server' as const, san: `${isIP(v.address) ? 'IP' : 'DNS'}:${v.address}` })),
    ...memberHosts.map((h) => ({ host: h, name: 'client' as const, owner: 'postgres', cn: `patroni ${h}`, kind: 'client' as const, san: '' })),
  ]
}

/** The step that gives every host its certificates, before etcd starts. */
export function tlsStep<P>(hosts: HostExec, c: PgCluster): Step<P> {
  const a = automaticOf(c)
  const caHost = votersOf(c, a)[0]!.name
  const wanted = wantedCerts(c)
  const allHosts = [...new Set(wanted.map((w) => w.host))]
  const root = (host: string, argv: string[], stdin?: string) => hosts.exec(host, argv, { sudo: true, timeoutMs: TLS_TIMEOUT_MS, ...(stdin !== undefined && { stdin }) })
  const fail = (host: string, what: string, e: unknown) => new AppError('command_failed', `${host}: ${what} failed: ${(e as Error).message}`, { host })
  return {
    id: 'tls',
    title: `etcd's certificates: a CA made on ${caHost}, each host's own keys made there (only requests and certificates travel)`,
    hosts: allHosts,
    plan: () => [
      { host: caHost, argv: ['sh', '-c', MAKE_CA, 'sh', TLS_DIR, `/CN=ReplicaDesk etcd CA ${a.scope}`, DAYS], runAs: 'root', note: 'the CA (once): its key stays here, 0600 root' },
      ...wanted.map((w) => ({ host: w.host, argv: ['sh', '-c', KEY_REQUEST, 'sh', TLS_DIR, w.name, w.owner, w.cn], runAs: 'root', note: `ca.crt over stdin; ${w.name}.key made here (0600 ${w.owner}); prints a request` })),
      ...wanted.map((w) => ({ host: caHost, argv: ['sh', '-c', SIGN, 'sh', TLS_DIR, w.kind, w.san, DAYS], runAs: 'root', note: `signs ${w.host}'s ${w.name} request (stdin)` })),
      ...wanted.map((w) => ({ host: w.host, argv: ['sh', '-c', PUT_CERT, 'sh', TLS_DIR, w.name], runAs: 'root', note: 'the signed certificate over stdin' })),
    ],
    async check() {
      const states = await Promise.all(allHosts.map(async (h) => (await root(h, ['sh', '-c', TLS_STATE, 'sh', TLS_DIR, ...wanted.filter((w) => w.host === h).map((w) => w.name)])).stdout))
      return states.every((s) => !s.includes(' missing'))
    },
    async run(_ctx, report) {
      const ca = (await root(caHost, ['sh', '-c', MAKE_CA, 'sh', TLS_DIR, `/CN=ReplicaDesk etcd CA ${a.scope}`, DAYS]).catch((e) => Promise.reject(fail(caHost, 'making the CA', e)))).stdout
      if (!ca.includes('BEGIN CERTIFICATE')) throw new AppError('command_failed', `${caHost}: the CA certificate was not printed.`, { host: caHost })
      const signed: string[] = []
      for (const w of wanted) {
        const req = (await root(w.host, ['sh', '-c', KEY_REQUEST, 'sh', TLS_DIR, w.name, w.owner, w.cn], ca).catch((e) => Promise.reject(fail(w.host, `making ${w.name}.key`, e)))).stdout
        if (req.trim() === 'ok') continue
        const cert = (await root(caHost, ['sh', '-c', SIGN, 'sh', TLS_DIR, w.kind, w.san, DAYS], req).catch((e) => Promise.reject(fail(caHost, `signing ${w.host}'s ${w.name} certificate`, e)))).stdout
        await root(w.host, ['sh', '-c', PUT_CERT, 'sh', TLS_DIR, w.name], cert)
        signed.push(`${w.host}:${w.name}`)
      }
      report({ message: signed.length ? `signed on ${caHost}: ${signed.join(', ')}` : 'every certificate was there already' })
    },
  }
}
