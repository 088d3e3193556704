// The postgres user's ~/.pgpass lines for the replication role: one per member (host and
// port), any database, so replication and later pg_rewind connections find the password.
// Lines of other roles or hosts are the admin's and are kept as they are.

/** pgpass fields escape ':' and '\'. */
const field = (s: string) => s.replace(/\\/g, '\\\\').replace(/:/g, '\\:')

export interface PgpassEntry {
  host: string
  port: number
}

export const pgpassLine = (e: PgpassEntry, role: string, password: string) => `${field(e.host)}:${e.port}:*:${field(role)}:${field(password)}`

function splitFields(line: string): string[] {
  const out: string[] = []
  let cur = ''
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (c === '\\' && i + 1 < line.length) cur += line[++i]
    else if (c === ':' && out.length < 4) {
      out.push(cur)
      cur = ''
    } else cur += c
  }
  out.push(cur)
  return out
}

const isOurs = (line: string, role: string, hosts?: readonly PgpassEntry[]) => {
  const f = splitFields(line)
  if (f.length !== 5 || f[3] !== role) return false
  return !hosts || hosts.some((h) => h.host === f[0] && String(h.port) === f[1])
}

/** The password of the role in a pgpass file (the first of its lines), if any. */
export function findPassword(file: string, role: string): string | undefined {
  for (const line of file.split('\n')) {
    if (isOurs(line, role)) return splitFields(line)[4]
  }
  return undefined
}

/** The file with the role's lines for `set` replaced by fresh ones, and those of `remove` gone. */
export function mergePgpass(file: string, role: string, password: string | undefined, set: readonly PgpassEntry[], remove: readonly PgpassEntry[] = []): string {
  const drop = [...set, ...remove]
  const kept = file.split('\n').filter((l) => l.trim() !== '' && !isOurs(l, role, drop))
  const added = password === undefined ? [] : set.map((e) => pgpassLine(e, role, password))
  const lines = [...kept, ...added]
  return lines.length ? lines.join('\n') + '\n' : ''
}

/** Members (host:port) that have a line for the role. */
export function pgpassHosts(file: string, role: string): string[] {
  return file
    .split('\n')
    .filter((l) => isOurs(l, role))
    .map((l) => {
      const f = splitFields(l)
      return `${f[0]}:${f[1]}`
    })
}
