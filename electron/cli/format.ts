// Human-readable output for any contract reply: tables for lists, `key: value` for records.
// Tables fit the terminal: a cell too long for its column is cut in the row ("…") and shown
// whole on the lines under it, wrapped, so a long reason never pushes a row off the screen.
const hidden = new Set(['id', 'createdAt', 'updatedAt'])

const cell = (v: unknown): string =>
  v === undefined || v === null ? '' : Array.isArray(v) ? v.map(cell).join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v)

/** The terminal's width (COLUMNS, else stdout's), 100 when unknown (a pipe). */
export function terminalWidth(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.COLUMNS)
  const w = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : process.stdout.columns
  return Math.max(40, w || 100)
}

/** Splits text into lines of at most `width` characters, at spaces where it can. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  for (const para of text.split('\n')) {
    let rest = para
    while (rest.length > width) {
      const cut = rest.lastIndexOf(' ', width)
      const at = cut > width / 3 ? cut : width
      lines.push(rest.slice(0, at).trimEnd())
      rest = rest.slice(at).trimStart()
    }
    lines.push(rest)
  }
  return lines
}

const minColumn = 12
const lastResortColumn = 4

/** `keep`: columns never cut (ids a user pastes); the others narrow, widest first. */
export function formatTable(rows: Record<string, unknown>[], width = terminalWidth(), keep: readonly string[] = []): string {
  if (rows.length === 0) return '(none)'
  const columns = Object.keys(rows[0]!).filter((k) => !hidden.has(k))
  const texts = rows.map((r) => columns.map((c) => cell(r[c])))
  const widths = columns.map((c, i) => Math.max(c.length, ...texts.map((t) => t[i]!.length)))
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1)
  // Narrow the widest column until the table fits: first not below a readable minimum, then
  // (many columns, a narrow terminal) down to a few characters; a cut cell is shown whole under its row.
  const narrowable = (i: number) => !keep.includes(columns[i]!)
  for (const floor of [minColumn, lastResortColumn]) {
    while (total() > width) {
      const candidates = widths.map((w, i) => (narrowable(i) ? w : -1))
      const widest = candidates.indexOf(Math.max(...candidates))
      if (widest < 0 || widths[widest]! <= floor) break
      widths[widest] = Math.max(floor, widths[widest]! - (total() - width))
    }
  }
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd()
  const fit = (v: string, i: number) => (v.length > widths[i]! ? `${v.slice(0, widths[i]! - 1)}…` : v)
  const out = [line(columns.map((c, i) => fit(c.toUpperCase(), i)))]
  for (const t of texts) {
    out.push(line(t.map(fit)))
    t.forEach((v, i) => {
      if (v.length > widths[i]!) out.push(...wrap(`${columns[i]}: ${v}`, width - 4).map((l) => `    ${l}`))
    })
  }
  return out.join('\n')
}

/** `key  value` lines; nested records indented under their key, lists joined. */
export function formatRecord(value: Record<string, unknown>, width = terminalWidth(), indent = ''): string {
  const entries = Object.entries(value).filter(([k, v]) => !hidden.has(k) && v !== undefined)
  const keyWidth = Math.max(0, ...entries.map(([k]) => k.length))
  return entries
    .map(([k, v]) => {
      if (v && typeof v === 'object' && !Array.isArray(v)) return `${indent}${k}\n${formatRecord(v as Record<string, unknown>, width, `${indent}  `)}`
      const lines = wrap(cell(v), Math.max(20, width - indent.length - keyWidth - 2))
      return lines.map((l, i) => `${indent}${(i === 0 ? k : '').padEnd(keyWidth)}  ${l}`.trimEnd()).join('\n')
    })
    .join('\n')
}

export function formatHuman(value: unknown, width = terminalWidth()): string {
  if (Array.isArray(value)) {
    return value.every((v) => v && typeof v === 'object') ? formatTable(value as Record<string, unknown>[], width) : value.map(cell).join('\n')
  }
  if (value && typeof value === 'object') return formatRecord(value as Record<string, unknown>, width)
  return cell(value)
}
