// postgresql.conf syntax and libpq connection strings, built from values.
import { AppError } from '../../../../shared/errors'

/** A quoted postgresql.conf string value (backslashes are escapes there). */
export function confValue(v: string): string {
  if (/[\0\r\n]/.test(v)) throw new AppError('invalid_input', 'A configuration value cannot contain a line break or NUL.')
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
}

/** One line of postgresql.auto.conf, as ALTER SYSTEM writes it. */
export const confLine = (key: string, value: string) => `${key} = ${confValue(value)}`

/** A libpq key=value connection string; values quoted where needed. */
export function conninfo(params: Record<string, string | number | undefined>): string {
  return Object.entries(params)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => {
      const s = String(v)
      if (/[\0\r\n]/.test(s)) throw new AppError('invalid_input', `The connection parameter ${k} cannot contain a line break.`)
      return /^[A-Za-z0-9_./:@+-]+$/.test(s) ? `${k}=${s}` : `${k}='${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
    })
    .join(' ')
}

/** Parses `key = value` lines (postgresql.auto.conf as ALTER SYSTEM writes it). */
export function parseConf(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const m = /^([A-Za-z_][A-Za-z0-9_.]*)\s*=?\s*(.*)$/.exec(line)
    if (!m) continue
    let v = m[2]!.trim()
    if (v.startsWith("'")) {
      let s = ''
      for (let i = 1; i < v.length; i++) {
        const c = v[i]!
        if (c === '\\' && i + 1 < v.length) s += v[++i]
        else if (c === "'" && v[i + 1] === "'") s += v[++i]
        else if (c === "'") break
        else s += c
      }
      v = s
    } else {
      v = v.replace(/\s*#.*$/, '')
    }
    out.set(m[1]!.toLowerCase(), v)
  }
  return out
}
