// Access for the probe on a lab cluster: role rdprobe (new random password each time) and
// table rd_probe on the primary, and an hba line on every member, standbys included (the
// file is not replicated and a standby may be promoted). Run before synchronous_standby_names
// is set with no standby streaming, or CREATE ROLE waits for a standby forever.
import { randomBytes } from 'node:crypto'
import { exec, execOk, readLab, type Lab } from '../lab'
import { PROBE_ROLE, PROBE_TABLE } from './connect'
import { probeHbaLines, withoutProbeLines, withProbeLines } from './hba'
import type { ProbeMember } from './types'

/** A member as the lab sees it: `host` is the lab host (host1…) it runs on. */
export interface LabProbeMember extends ProbeMember {
  host: string
}

/** Runs SQL as postgres on the member's host; returns psql -At output. */
export type RunSql = (m: LabProbeMember, sql: string) => Promise<string>

/** psql over the Unix socket as postgres, the SQL on stdin (never in argv: it may hold a password). */
export function labPsql(lab: Lab = readLab(), timeoutMs = 15_000): RunSql {
  return async (m, sql) => {
    const argv = [`${lab.pgBin}/psql`, '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-h', '/var/run/postgresql', '-p', String(m.port), '-d', 'postgres', '-f', '-']
    const r = await exec(m.host, argv, { user: 'postgres', input: sql, timeoutMs, lab })
    if (r.code !== 0) throw new Error(`${m.name} (${m.host}:${m.port}): psql exited ${r.code}: ${(r.stderr || r.stdout).trim()}`)
    return r.stdout.trim()
  }
}

export interface ProbeSetupOptions {
  members: LabProbeMember[]
  /** Name of the member that is primary now. */
  primary: string
  /** Address the probe connects from; default the lab's bridge address (lab.gateway). */
  clientAddress?: string
  sql?: RunSql
  lab?: Lab
}

export interface ProbeAccess {
  password: string
  members: ProbeMember[]
  /** hba file per member, as `SHOW hba_file` said. */
  hbaFiles: Record<string, string>
  /** Removes the hba lines (members that are down keep theirs; the error says which). */
  teardown(opts?: { dropRole?: boolean }): Promise<void>
}

export async function setupProbe(o: ProbeSetupOptions): Promise<ProbeAccess> {
  const lab = o.lab ?? readLab()
  const sql = o.sql ?? labPsql(lab)
  const primary = o.members.find((m) => m.name === o.primary)
  if (!primary) throw new Error(`setupProbe: ${o.primary} is not one of the members`)
  const lines = probeHbaLines(o.clientAddress ?? lab.gateway)
  const hbaFiles: Record<string, string> = {}
  await Promise.all(
    o.members.map(async (m) => {
      hbaFiles[m.name] = await sql(m, 'SHOW hba_file')
      await editHba(lab, m, hbaFiles[m.name]!, (f) => withProbeLines(f, lines))
      const bad = await sql(m, `SELECT pg_reload_conf(); SELECT coalesce(error, 'ok') FROM pg_hba_file_rules WHERE '${PROBE_ROLE}' = ANY(user_name)`)
      if (bad.split('\n').slice(1).join() !== 'ok') throw new Error(`${m.name}: the probe's hba line was not taken: ${bad}`)
    }),
  )
  const password = randomBytes(18).toString('hex')
  await sql(
    primary,
    `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${PROBE_ROLE}') THEN CREATE ROLE ${PROBE_ROLE} LOGIN; END IF; END $$;
ALTER ROLE ${PROBE_ROLE} LOGIN PASSWORD '${password}';
CREATE TABLE IF NOT EXISTS ${PROBE_TABLE} (id bigint PRIMARY KEY, member text NOT NULL, at timestamptz NOT NULL DEFAULT now());
GRANT SELECT, INSERT ON ${PROBE_TABLE} TO ${PROBE_ROLE};`,
  ).catch((err: Error) => {
    throw new Error(`${err.message} (if it timed out: is synchronous_standby_names set while no standby streams?)`)
  })
  return {
    password,
    members: o.members.map(({ name, address, port }) => ({ name, address, port })),
    hbaFiles,
    teardown: (t = {}) => teardownProbe({ ...o, lab, sql, hbaFiles, dropRole: t.dropRole }),
  }
}

/** Removes the probe's hba lines from every member (and optionally the role and table from
 *  the primary). Works without a setup result: it asks each member for its hba file. */
export async function teardownProbe(o: ProbeSetupOptions & { hbaFiles?: Record<string, string>; dropRole?: boolean }) {
  const lab = o.lab ?? readLab()
  const sql = o.sql ?? labPsql(lab)
  const errors: string[] = []
  if (o.dropRole) {
    const primary = o.members.find((m) => m.name === o.primary)!
    await sql(primary, `DROP TABLE IF EXISTS ${PROBE_TABLE}; DROP ROLE IF EXISTS ${PROBE_ROLE};`).catch((e: Error) => errors.push(e.message))
  }
  await Promise.all(
    o.members.map(async (m) => {
      try {
        const file = o.hbaFiles?.[m.name] ?? (await sql(m, 'SHOW hba_file'))
        await editHba(lab, m, file, withoutProbeLines)
        await sql(m, 'SELECT pg_reload_conf()').catch(() => undefined) // a stopped member reads it at start
      } catch (e) {
        errors.push(`${m.name}: ${(e as Error).message}`)
      }
    }),
  )
  if (errors.length) throw new Error(`teardownProbe: ${errors.join('; ')}`)
}

/** Rewrites the file in place (cat >), so owner and mode stay; only when it changes. */
async function editHba(lab: Lab, m: LabProbeMember, file: string, edit: (text: string) => string) {
  const before = await execOk(m.host, ['cat', '--', file], { lab })
  const after = edit(before)
  if (after !== before) await execOk(m.host, ['sh', '-c', 'cat > "$1"', 'sh', file], { lab, input: after })
}
