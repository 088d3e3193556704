// PostgreSQL WAL positions ("16/B374D848": high and low 32 bits in hex) and the byte
// distances between them. Exact as bigint; byte counts are returned as numbers (exact up to
// 2^53 bytes = 8 PiB of WAL, far beyond any cluster ReplicaDesk watches).
const LSN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/

export function parseLsn(text: string): bigint | null {
  const m = LSN.exec(text)
  if (!m) return null
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`)
}

export function formatLsn(value: bigint): string {
  return `${(value >> 32n).toString(16).toUpperCase()}/${(value & 0xffffffffn).toString(16).toUpperCase()}`
}

/** a − b in bytes; null when either is unknown or unparsable. */
export function lsnDiff(a: string | null | undefined, b: string | null | undefined): number | null {
  if (!a || !b) return null
  const x = parseLsn(a)
  const y = parseLsn(b)
  if (x === null || y === null) return null
  return Number(x - y)
}

/** The later of two positions (either may be missing). */
export function maxLsn(a: string | null, b: string | null): string | null {
  if (!a) return b
  if (!b) return a
  const d = lsnDiff(a, b)
  return d !== null && d < 0 ? b : a
}
