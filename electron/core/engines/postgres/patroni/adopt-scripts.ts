// The read-only script the adopt runs on each member's host (as postgres: Patroni's configs are
// 0600 postgres): finds the Patroni config of one member in Debian's layout and prints what the
// record needs as JSON. No secret leaves the server: the REST API password is only compared
// with the one ReplicaDesk keeps there (~postgres/.replicadesk/patroni-MEMBER.restapi).
// python3-yaml is a dependency of Debian's patroni package, so it is there wherever Patroni is.

/** Args: MEMBER. Prints {"found": [...], "unreadable": [...]}. */
export const ADOPT_READ_CONFIG = String.raw`import glob, json, os, sys, yaml
member = sys.argv[1]
found, unreadable = [], []
def get(d, *path):
    for k in path:
        if not isinstance(d, dict):
            return None
        d = d.get(k)
    return d
def text(v):
    return None if v is None else str(v)
def etcd_hosts(e):
    if not isinstance(e, dict):
        return []
    h = e.get('hosts')
    if isinstance(h, str):
        h = [x.strip() for x in h.split(',') if x.strip()]
    if not h and e.get('host'):
        h = [str(e['host'])]
    return [str(x) for x in (h or [])]
def ours(m, password):
    try:
        with open(os.path.join(os.path.expanduser('~postgres'), '.replicadesk', 'patroni-%s.restapi' % m)) as f:
            return f.read().strip() == str(password)
    except OSError:
        return False
for path in sorted(set(glob.glob('/etc/patroni/*.yml') + glob.glob('/etc/patroni/*.yaml') + glob.glob('/etc/patroni.yml'))):
    try:
        with open(path) as f:
            doc = yaml.safe_load(f)
    except Exception as e:
        unreadable.append('%s (%s)' % (path, e.__class__.__name__))
        continue
    if not isinstance(doc, dict) or str(doc.get('name')) != member:
        continue
    data_dir = text(get(doc, 'postgresql', 'data_dir')) or ''
    try:
        with open(os.path.join(data_dir, 'PG_VERSION')) as f:
            pg_version = f.read().strip()
    except OSError:
        pg_version = None
    password = get(doc, 'restapi', 'authentication', 'password')
    tags = doc.get('tags') if isinstance(doc.get('tags'), dict) else {}
    found.append({
        'file': path,
        'scope': text(doc.get('scope')) or '',
        'name': member,
        'data_dir': data_dir,
        'bin_dir': text(get(doc, 'postgresql', 'bin_dir')),
        'config_dir': text(get(doc, 'postgresql', 'config_dir')),
        'listen': text(get(doc, 'postgresql', 'listen')),
        'connect_address': text(get(doc, 'postgresql', 'connect_address')),
        'replication_user': text(get(doc, 'postgresql', 'authentication', 'replication', 'username')),
        'socket_dir': text(get(doc, 'postgresql', 'parameters', 'unix_socket_directories')),
        'etcd3_hosts': etcd_hosts(doc.get('etcd3')),
        'etcd_v2': isinstance(doc.get('etcd'), dict) and not isinstance(doc.get('etcd3'), dict),
        'cacert': text(get(doc, 'etcd3', 'cacert')),
        'restapi_auth': 'none' if password is None else ('ours' if ours(member, password) else 'other'),
        'pg_version': pg_version,
        'tags': {k: v for k, v in tags.items() if isinstance(v, (bool, int, str))},
    })
json.dump({'found': found, 'unreadable': unreadable}, sys.stdout)
`
