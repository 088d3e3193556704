// What one member tells about itself in one remote command (no root needed): its login, where
// ip and arping are, its IPv4 addresses and MACs, and whether sudo lets it run the exact
// commands acquire, release and the probe will run. Parsed into plain data for decide.ts.

// PATH is sudo's secure_path on Debian: the paths found are those `sudo -n ip` runs, so the
// rule we print matches. $1 service address, $2 prefix to check the sudo rule with. The interface for that check is
// the one the kernel would use for the address (`ip route get`); `lo` when it has none.
export const READ_SCRIPT = `PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export LC_ALL=C
echo "user $(id -u) $(id -un)"
ip=$(command -v ip) || ip=
arp=$(command -v arping) || arp=
echo "path ip $ip"
echo "path arping $arp"
[ -n "$arp" ] && echo "arpingv $("$arp" -V 2>&1 | head -n 1)"
if [ -n "$ip" ]; then
  "$ip" -o -4 addr show | sed 's/^/addr /'
  "$ip" -o link show | sed 's/^/link /'
fi
[ "$(id -u)" = 0 ] && exit 0
check() {
  what=$1; shift
  if err=$(sudo -n -l "$@" 2>&1 >/dev/null); then echo "sudo $what ok"
  else echo "sudo $what no $(printf '%s' "$err" | head -n 1)"; fi
}
if [ -n "$ip" ]; then
  dev=$("$ip" -o route get "$1" 2>/dev/null | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p')
  check ip-add "$ip" -4 addr add "$1/$2" dev "\${dev:-lo}"
  check ip-del "$ip" -4 addr del "$1/$2" dev "\${dev:-lo}"
fi
[ -n "$arp" ] && check arping "$arp"
exit 0`

export interface IfaceAddress {
  iface: string
  address: string
  prefix: number
  secondary: boolean
}

export type SudoCheck = { ok: true } | { ok: false; why: string }

export interface MemberReading {
  host: string
  user: string
  uid: number
  ipPath: string | null
  arpingPath: string | null
  /** First line of `arping -V` ("arping from iputils 20221126"). */
  arpingVersion: string | null
  /** Absent for a root login (it needs no sudo). */
  sudo: { ipAdd?: SudoCheck; ipDel?: SudoCheck; arping?: SudoCheck } | null
  addresses: IfaceAddress[]
  /** MAC per interface, lower case. */
  macs: Record<string, string>
}

// `2: eth0    inet 10.77.3.11/24 brd 10.77.3.255 scope global secondary eth0\  valid_lft …`
const ADDR_LINE = /^\d+:\s+(\S+?)(?:@\S+)?\s+inet\s+(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})\b([^\\]*)/
// `2: eth0@if6: <BROADCAST,…> mtu 1500 … link/ether 5e:5a:23:fb:1d:69 brd …`
const LINK_LINE = /^\d+:\s+([^:@\s]+)(?:@[^:\s]+)?:.*?\blink\/ether\s+([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})/

/** The lines of `ip -o -4 addr show`. */
export function parseAddrLines(text: string): IfaceAddress[] {
  const out: IfaceAddress[] = []
  for (const line of text.split('\n')) {
    const m = ADDR_LINE.exec(line.trim())
    if (!m) continue
    out.push({ iface: m[1]!, address: m[2]!, prefix: Number(m[3]), secondary: /\bsecondary\b/.test(m[4] ?? '') })
  }
  return out
}

function sudoCheck(rest: string): SudoCheck {
  if (rest === 'ok') return { ok: true }
  return { ok: false, why: rest.replace(/^no\s*/, '').trim() || 'not allowed' }
}

export function parseReading(host: string, stdout: string): MemberReading {
  const r: MemberReading = { host, user: '', uid: -1, ipPath: null, arpingPath: null, arpingVersion: null, sudo: null, addresses: [], macs: {} }
  const addrLines: string[] = []
  for (const raw of stdout.split('\n')) {
    const [tag, ...words] = raw.split(' ')
    const rest = words.join(' ').trim()
    if (tag === 'user') {
      r.uid = Number(words[0])
      r.user = words[1] ?? ''
    } else if (tag === 'path') {
      const value = words.slice(1).join(' ').trim() || null
      if (words[0] === 'ip') r.ipPath = value
      if (words[0] === 'arping') r.arpingPath = value
    } else if (tag === 'arpingv') r.arpingVersion = rest
    else if (tag === 'addr') addrLines.push(rest)
    else if (tag === 'link') {
      const m = LINK_LINE.exec(rest)
      if (m) r.macs[m[1]!] = m[2]!.toLowerCase()
    } else if (tag === 'sudo') {
      const [what, ...verdict] = words
      r.sudo ??= {}
      const check = sudoCheck(verdict.join(' '))
      if (what === 'ip-add') r.sudo.ipAdd = check
      if (what === 'ip-del') r.sudo.ipDel = check
      if (what === 'arping') r.sudo.arping = check
    }
  }
  r.addresses = parseAddrLines(addrLines.join('\n'))
  return r
}
