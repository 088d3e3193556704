// Human-readable output for any contract reply: tables for lists, `key: value` for records.
const hidden = new Set(['id', 'createdAt', 'updatedAt'])

const cell = (v: unknown): string =>
  v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)

export function formatTable(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(none)'
  const columns = Object.keys(rows[0]!).filter((k) => !hidden.has(k))
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)))
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd()
  return [line(columns.map((c) => c.toUpperCase())), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n')
}

export function formatHuman(value: unknown): string {
  if (Array.isArray(value)) {
    return value.every((v) => v && typeof v === 'object') ? formatTable(value as Record<string, unknown>[]) : value.map(cell).join('\n')
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([k]) => !hidden.has(k))
    const width = Math.max(...entries.map(([k]) => k.length))
    return entries.map(([k, v]) => `${k.padEnd(width)}  ${cell(v)}`).join('\n')
  }
  return cell(value)
}
