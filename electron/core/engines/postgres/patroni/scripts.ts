// The constant scripts a hand-over runs on the servers. Values arrive as positional arguments
// ($1… for sh, sys.argv for python3), data and templates over stdin. python3 is Patroni's own
// interpreter (/usr/bin/python3), so it is there wherever Patroni is.
export const PYTHON = '/usr/bin/python3'

/**
 * Prints one line per missing piece: `missing patroni`, `missing etcd`, `missing etcdctl`,
 * `missing unit patroni@.service`, `missing python3`. Nothing printed: all there.
 */
export const FIND_TOOLS = String.raw`for t in patroni etcd etcdctl; do command -v "$t" >/dev/null 2>&1 || echo "missing $t"; done
[ -x /usr/bin/python3 ] || echo "missing python3"
command -v openssl >/dev/null 2>&1 || echo "missing openssl"
[ -f /lib/systemd/system/patroni@.service ] || [ -f /etc/systemd/system/patroni@.service ] || echo "missing unit patroni@.service"
exit 0`

/**
 * As root: writes stdin to FILE (mode MODE, owner OWNER) atomically, then makes DIR (owner
 * OWNER, 0700) when given. Args: FILE MODE OWNER [DIR]
 */
export const PUT_ROOT_FILE = String.raw`set -eu
f=$1 mode=$2 owner=$3
tmp=$f.rd-tmp.$$
umask 077
cat > "$tmp"
chmod "$mode" -- "$tmp"
chown "$owner" -- "$tmp"
mv -f -- "$tmp" "$f"
if [ $# -ge 4 ]; then install -d -m 700 -o "$owner" -- "$4"; fi`

/** The first line of FILE, or nothing when it is missing. Args: FILE */
export const FIRST_LINE = String.raw`[ -f "$1" ] && head -n 1 -- "$1"; exit 0`

/**
 * As root: fills the Patroni config template (stdin) with the secrets that stay on this server
 * and writes it to OUT (0600, owner postgres): the replication role's password from postgres'
 * ~/.pgpass, the REST API password from ~postgres/.replicadesk/patroni-MEMBER.restapi (generated
 * there the first time, 0600). Exit 3: no password for ROLE in ~/.pgpass. Args: ROLE MEMBER OUT
 */
export const FILL_PATRONI_CONFIG = String.raw`import json, os, pwd, secrets, sys
role, member, out = sys.argv[1:4]
pw = pwd.getpwnam('postgres')
home = pw.pw_dir
def fields(line):
    out, cur, i = [], '', 0
    while i < len(line):
        c = line[i]
        if c == '\\' and i + 1 < len(line):
            i += 1
            cur += line[i]
        elif c == ':' and len(out) < 4:
            out.append(cur)
            cur = ''
        else:
            cur += c
        i += 1
    return out + [cur]
password = None
try:
    with open(os.path.join(home, '.pgpass')) as f:
        for line in f.read().splitlines():
            x = fields(line)
            if len(x) == 5 and x[3] == role:
                password = x[4]
                break
except FileNotFoundError:
    pass
if password is None:
    sys.stderr.write('no password for role %s in %s/.pgpass\n' % (role, home))
    sys.exit(3)
def owned(path, mode):
    os.chown(path, pw.pw_uid, pw.pw_gid)
    os.chmod(path, mode)
sdir = os.path.join(home, '.replicadesk')
os.makedirs(sdir, exist_ok=True)
owned(sdir, 0o700)
sfile = os.path.join(sdir, 'patroni-%s.restapi' % member)
if os.path.exists(sfile):
    with open(sfile) as f:
        rest = f.read().strip()
else:
    rest = secrets.token_urlsafe(24)
    fd = os.open(sfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, (rest + '\n').encode())
    os.close(fd)
    owned(sfile, 0o600)
text = sys.stdin.read()
text = text.replace('"@REPLICATION_PASSWORD@"', json.dumps(password)).replace('"@RESTAPI_PASSWORD@"', json.dumps(rest)).replace('@HOME@', home)
os.makedirs(os.path.dirname(out), exist_ok=True)
tmp = out + '.rd-tmp'
fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, text.encode())
os.close(fd)
owned(tmp, 0o600)
os.rename(tmp, out)
`

/** The common tail of the HTTP scripts: sends `req` (a URL or a Request), prints `STATUS` then the body; exit 2 when nothing answers (`what` on stderr). */
const SEND = String.raw`try:
    r = urllib.request.urlopen(req, timeout=timeout)
    status, out = r.status, r.read()
except urllib.error.HTTPError as e:
    status, out = e.code, e.read()
except Exception as e:
    sys.stderr.write('%s: %s\n' % (what, e))
    sys.exit(2)
sys.stdout.write('%d\n' % status)
sys.stdout.write(out.decode('utf-8', 'replace'))
`

/**
 * GET of a URL with a time limit; prints `STATUS` on the first line, then the body. Exit 2: no
 * answer (the reason on stderr). Args: URL TIMEOUT_S
 */
export const HTTP_GET = String.raw`import sys, urllib.request, urllib.error
url, timeout = sys.argv[1], float(sys.argv[2])
req, what = url, url
${SEND}`

/**
 * An unsafe request to Patroni's REST API with its basic auth: the password is read here from
 * ~postgres/.replicadesk/patroni-MEMBER.restapi (run as postgres), the JSON body comes over stdin.
 * Prints `STATUS` on the first line, then the body. Exit 2: no answer. Args: METHOD URL TIMEOUT_S USER MEMBER
 */
export const HTTP_AUTH_REQUEST = String.raw`import base64, os, sys, urllib.request, urllib.error
method, url, timeout, user, member = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
with open(os.path.join(os.path.expanduser('~postgres'), '.replicadesk', 'patroni-%s.restapi' % member)) as f:
    password = f.read().strip()
body = sys.stdin.read().encode()
req = urllib.request.Request(url, data=body, method=method)
req.add_header('Content-Type', 'application/json')
req.add_header('Authorization', 'Basic ' + base64.b64encode(('%s:%s' % (user, password)).encode()).decode())
what = '%s %s' % (method, url)
${SEND}`
