// The detection script (run as root: other users' /proc entries and option files) and its
// parser (pure). One fact per line: the login, the host's addresses, server binaries, Debian's
// layout (/etc/mysql, the unit, the state of /var/lib/mysql) and every live mariadbd with its
// datadir (its cwd), socket and port (its option files through my_print_defaults, then its
// command line, which wins). Servers in another mount namespace (containers) are not this host's.
import { isIP } from 'node:net'
import { serverVersionOf } from './versions'

export const DETECT = String.raw`echo "login ${'$'}{SUDO_USER:-$(id -un)}"
echo "addrs $(hostname -I 2>/dev/null)"
seen=' '
for b in /usr/sbin/mariadbd /usr/sbin/mysqld /usr/libexec/mariadbd /usr/libexec/mysqld; do
  [ -x "$b" ] || continue
  r=$(readlink -f "$b")
  case $seen in *" $r "*) continue ;; esac
  seen="$seen$r "
  echo "bin $r $("$r" --version 2>/dev/null | head -n 1)"
done
[ -r /etc/mysql/mariadb.cnf ] && echo "debian conf"
for u in /etc/systemd/system/mariadb.service /lib/systemd/system/mariadb.service /usr/lib/systemd/system/mariadb.service; do [ -f "$u" ] && { echo "debian unit"; break; }; done
if [ ! -e /var/lib/mysql ]; then echo "debian datadir missing"
elif [ -z "$(ls -A /var/lib/mysql 2>/dev/null)" ]; then echo "debian datadir empty"
elif [ -d /var/lib/mysql/mysql ]; then echo "debian datadir initialised"
else echo "debian datadir other"; fi
ns=$(readlink /proc/self/ns/mnt)
for p in /proc/[0-9]*; do
  c=$(tr '\0' '\n' < "$p/cmdline" 2>/dev/null | head -n 1)
  case ${'$'}{c##*/} in mariadbd|mysqld) ;; *) continue ;; esac
  # This host's servers only: one in another mount namespace (a container) is not reached by its socket here.
  [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$ns" ] || continue
  st=$(cat "$p/stat" 2>/dev/null) || continue
  st=${'$'}{st##*) }
  case $st in Z*|X*|x*) continue ;; esac
  args=$(tr '\0' '\n' < "$p/cmdline" | tail -n +2)
  df=$(printf '%s\n' "$args" | sed -n 's/^--defaults-file=//p' | head -n 1)
  if [ -n "$df" ]; then o=$(my_print_defaults --defaults-file="$df" mysqld server mariadbd mariadb 2>/dev/null)
  else o=$(my_print_defaults mysqld server mariadbd mariadb client-server 2>/dev/null); fi
  o="$o
$args"
  sock=$(printf '%s\n' "$o" | sed -n 's/^--socket=//p' | tail -n 1)
  port=$(printf '%s\n' "$o" | sed -n 's/^--port=//p' | tail -n 1)
  echo "proc ${'$'}{p#/proc/}|$(readlink "$p/cwd")|${'$'}{sock:-/run/mysqld/mysqld.sock}|${'$'}{port:-3306}|${'$'}{df:--}"
done
exit 0`

export interface DetectFacts {
  login: string
  addresses: string[]
  bins: { path: string; version: string }[]
  debian: { conf: boolean; unit: boolean; datadir: 'missing' | 'empty' | 'initialised' | 'other' | 'unknown' }
  processes: { pid: number; dataDir: string; socket: string; port: number; defaultsFile?: string }[]
}

/** The host's own addresses: no loopback, no link-local. */
export const hostAddresses = (text: string) => text.split(/\s+/).filter((a) => isIP(a) && !a.startsWith('127.') && a !== '::1' && !a.toLowerCase().startsWith('fe80'))

export function parseDetect(out: string): DetectFacts {
  const f: DetectFacts = { login: '', addresses: [], bins: [], debian: { conf: false, unit: false, datadir: 'unknown' }, processes: [] }
  for (const line of out.split('\n')) {
    const [tag, ...rest] = line.split(' ')
    const value = rest.join(' ').trim()
    if (tag === 'login') f.login = value
    else if (tag === 'addrs') f.addresses = hostAddresses(value)
    else if (tag === 'bin') {
      const version = serverVersionOf(value)
      if (version) f.bins.push({ path: rest[0]!, version })
    } else if (tag === 'debian' && rest[0] === 'conf') f.debian.conf = true
    else if (tag === 'debian' && rest[0] === 'unit') f.debian.unit = true
    else if (tag === 'debian' && rest[0] === 'datadir') f.debian.datadir = (['missing', 'empty', 'initialised', 'other'].includes(rest[1] ?? '') ? rest[1] : 'unknown') as DetectFacts['debian']['datadir']
    else if (tag === 'proc') {
      const [pid, cwd, socket, port, df] = value.split('|')
      if (pid && cwd && socket) f.processes.push({ pid: Number(pid), dataDir: cwd.replace(/\/+$/, '') || '/', socket, port: Number(port) || 3306, ...(df && df !== '-' && { defaultsFile: df }) })
    }
  }
  return f
}
