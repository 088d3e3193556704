// Strict parsers for the addresses a host record may hold. A host name that merely contains
// colons or digits is not an address: "1.2.3.4:22" is neither an IPv4 nor an IPv6 address, and
// "999.1.1.1" is not an IPv4 one (a DNS name cannot end in an all-digit label either).

/** Dotted-quad IPv4: four decimal numbers 0–255, no leading zeros (they read as octal elsewhere). */
export function isIPv4(text: string): boolean {
  const parts = text.split('.')
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)
}

/** IPv6 in any RFC 4291 text form (one `::` at most, 1–4 hex digits a group, an IPv4 tail), an optional %zone. */
export function isIPv6(text: string): boolean {
  const [addr, zone, ...more] = text.split('%')
  if (more.length || addr === undefined || (zone !== undefined && !/^[A-Za-z0-9_.-]+$/.test(zone))) return false
  const halves = addr.split('::')
  if (halves.length > 2) return false
  const groupsOf = (half: string) => (half === '' ? [] : half.split(':'))
  const groups = halves.flatMap(groupsOf)
  let count = groups.length
  const last = groups[groups.length - 1]
  if (last !== undefined && last.includes('.')) {
    if (!isIPv4(last)) return false
    groups.pop()
    count++ // an IPv4 tail fills two groups
  }
  if (!groups.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false
  return halves.length === 2 ? count <= 7 : count === 8
}
