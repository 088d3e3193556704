// The baseline of the role-change benches: the same steps as ReplicaDesk's switchover and
// failover (electron/core/engines/postgres/switchover.ts, failover.ts, roles.ts), run bare —
// shell and psql as postgres, nothing else: no lease, no journal, no pre-flight, no fence, no
// assessment. Over warm SSH connections (ssh2, opened before the clock starts), as a script with
// ControlMaster would be. Server-side it does what the engine does (the same SQL, the same
// 2/5/10 ms polls where pg_ctl -w would poll every 100 ms), so the difference is ReplicaDesk's
// own overhead, not a smarter or dumber server-side recipe.
import { rm } from 'node:fs/promises'
import { conninfo } from '../../electron/core/engines/postgres/conf'
import { lsnDiff } from '../../electron/core/engines/postgres/lsn'
import { slotName } from '../../shared/postgres'
import { labContext } from '../support/ssh/lab-fixtures'
import type { SshService } from '../../electron/core/ssh'
import { dirOf, type Member, type RolesCluster } from './roles-common'

const PG = '/usr/lib/postgresql/15/bin'
const PORT = 5432
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`

/** Fast stop: SIGINT, wait (10 ms polls) until the postmaster is gone, print state and last checkpoint. */
const STOP_FAST = String.raw`d=$1
pid=$(head -n 1 "$d/postmaster.pid")
kill -INT "$pid"
while [ -e "$d/postmaster.pid" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
LC_ALL=C ${PG}/pg_controldata -D "$d" | sed -n -e 's/^Database cluster state: *//p' -e 's/^Latest checkpoint location: *//p'`

/** A stopped data dir made a standby of a new upstream (primary_conninfo, primary_slot_name, standby.signal) and started; ready when postmaster.pid says so (10 ms polls). */
const START_AS_STANDBY = String.raw`set -e
d=$1 log=$2 conninfo=$3 slot=$4
f=$d/postgresql.auto.conf
grep -v -E '^[[:space:]]*(primary_conninfo|primary_slot_name)[[:space:]]*=' "$f" > "$f.tmp" || true
printf "primary_conninfo = '%s'\nprimary_slot_name = '%s'\n" "$(printf %s "$conninfo" | sed "s/'/''/g")" "$slot" >> "$f.tmp"
mv -f "$f.tmp" "$f"
: > "$d/standby.signal"
${PG}/pg_ctl -D "$d" -l "$log" -W start >/dev/null
until sed -n 8p "$d/postmaster.pid" 2>/dev/null | grep -qE '^(ready|standby)'; do sleep 0.01; done`

const waitReplaySql = (lsn: string) => `DO $b$ BEGIN
  WHILE pg_is_in_recovery() AND coalesce(pg_last_wal_replay_lsn() <= ${lit(lsn)}::pg_lsn, true) LOOP PERFORM pg_sleep(0.002); END LOOP;
END $b$`
const PROMOTE = ['SELECT pg_promote(false)', 'DO $b$ BEGIN WHILE pg_is_in_recovery() LOOP PERFORM pg_sleep(0.005); END LOOP; END $b$']
const waitStreamingSql = (names: string[]) => `DO $b$ BEGIN
  WHILE (SELECT count(DISTINCT application_name) FROM pg_stat_replication WHERE state = 'streaming' AND application_name = ANY (ARRAY[${names.map(lit).join(', ')}]::text[])) < ${names.length} LOOP PERFORM pg_sleep(0.01); END LOOP;
END $b$`

/** Times consecutive steps: `lap(name)` records the time since the previous lap. */
function stopwatch() {
  const steps: Record<string, number> = {}
  const t0 = performance.now()
  let t = t0
  const lap = (name: string) => {
    const now = performance.now()
    steps[name] = now - t
    t = now
  }
  return { steps, lap, t0 }
}

export class Bare {
  private readonly ctx = labContext()
  private readonly ssh: SshService = this.ctx.service({ connectTimeoutMs: 3000 })

  constructor(private readonly c: RolesCluster) {}

  private target(m: Member) {
    return this.ctx.target(m.host.name, 'postgres')
  }

  async sh(m: Member, script: string, args: string[], timeoutMs = 60_000): Promise<string> {
    return (await this.ssh.exec(this.target(m), ['sh', '-c', script, 'sh', ...args], { timeoutMs })).stdout
  }

  async psql(m: Member, statements: string[], timeoutMs = 60_000): Promise<string> {
    const argv = [`${PG}/psql`, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', '/var/run/postgresql', '-p', String(PORT), '-d', 'postgres', ...statements.flatMap((s) => ['-c', s])]
    return (await this.ssh.exec(this.target(m), argv, { timeoutMs })).stdout.trim()
  }

  /** Opens (or re-opens) the connections before a clock starts. */
  async warm(members: Member[] = this.c.members) {
    await Promise.all(members.map((m) => this.sh(m, 'true', [])))
  }

  private follow(m: Member, upstream: Member) {
    return conninfo({ host: upstream.host.address, port: PORT, user: this.c.replicationRole, application_name: m.name })
  }

  private repointSql(m: Member, upstream: Member) {
    return [`ALTER SYSTEM SET primary_conninfo = ${lit(this.follow(m, upstream))}`, `ALTER SYSTEM SET primary_slot_name = ${lit(slotName(m.name))}`, 'SELECT pg_reload_conf()']
  }

  /**
   * Switchover F → T: fast stop of F, T replays F's shutdown checkpoint, promote T, re-point
   * the other standby, F started as T's standby (its old slots made fresh, as the engine
   * does), then wait until both stream from T. Returns the total and each step's time.
   */
  async switchover(from: string, to: string): Promise<{ ms: number; steps: Record<string, number> }> {
    const F = this.c.member(from)
    const T = this.c.member(to)
    const others = this.c.members.filter((m) => m !== F && m !== T)
    const { steps, lap, t0 } = stopwatch()
    const [state, checkpoint] = (await this.sh(F, STOP_FAST, [dirOf(F.name)])).trim().split('\n')
    if (state !== 'shut down' || !checkpoint) throw new Error(`bare switchover: ${from} stopped as "${state}"`)
    lap('stop')
    await this.psql(T, [waitReplaySql(checkpoint)])
    lap('catch-up')
    await this.psql(T, PROMOTE)
    lap('promote')
    await Promise.all(others.map((o) => this.psql(o, this.repointSql(o, T))))
    lap('repoint')
    await this.sh(F, START_AS_STANDBY, [dirOf(F.name), `/var/log/postgresql/replicadesk-${F.name}.log`, this.follow(F, T), slotName(F.name)])
    const mine = this.c.members.filter((m) => m !== F).map((m) => slotName(m.name))
    const arr = `ARRAY[${mine.map(lit).join(', ')}]::text[]`
    await this.psql(F, [
      `SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots WHERE NOT active AND restart_lsn IS NOT NULL AND slot_name = ANY (${arr})`,
      `SELECT count(pg_create_physical_replication_slot(s, false)) FROM unnest(${arr}) AS s WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = s)`,
    ])
    lap('demote')
    await this.psql(T, [waitStreamingSql([F, ...others].map((m) => m.name))])
    lap('verify')
    return { ms: performance.now() - t0, steps }
  }

  /**
   * Failover after the primary died: read the standbys' received WAL, promote the most
   * advanced (ties: the member listed first), re-point the other; `ms` when the re-point
   * returned, `verifiedMs` once it streams from the new primary.
   */
  async failover(standbys: string[]): Promise<{ to: string; ms: number; verifiedMs: number; steps: Record<string, number> }> {
    const S = standbys.map((n) => this.c.member(n))
    const { steps, lap, t0 } = stopwatch()
    const lsns = await Promise.all(S.map((m) => this.psql(m, ['SELECT coalesce(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())'])))
    let best = 0
    for (let i = 1; i < S.length; i++) if ((lsnDiff(lsns[i]!, lsns[best]!) ?? 0) > 0) best = i
    const T = S[best]!
    lap('positions')
    await this.psql(T, PROMOTE)
    lap('promote')
    const others = S.filter((m) => m !== T)
    await Promise.all(others.map((o) => this.psql(o, this.repointSql(o, T))))
    lap('repoint')
    const ms = performance.now() - t0
    // Bounded: a standby that cannot follow (it received more than T) never streams; the figure
    // that counts (the first write on T) is in by then, and the bench rejoins it between rounds.
    const verified = await this.psql(T, [waitStreamingSql(others.map((m) => m.name))], 10_000).then(
      () => true,
      () => false,
    )
    lap(verified ? 'verify' : 'verify (not streaming after 10 s)')
    return { to: T.name, ms, verifiedMs: verified ? performance.now() - t0 : NaN, steps }
  }

  async close() {
    await this.ctx.closeAll()
    await rm(this.ctx.dir, { recursive: true, force: true })
  }
}
