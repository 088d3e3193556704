// Applying a MariaDB cluster's redundancy settings (kind mariadb-settings): semi-synchronous
// replication, one step per member. Each step rewrites only the semi-sync lines of the
// member's option file (everything else stays, an adopted server's own names too), sets them
// on the running server (SET GLOBAL: all four are dynamic), and restarts the replica's IO
// thread when its replica side changed (MariaDB reads it when the thread connects). A member
// that is not running gets the file only: its server takes them when it starts. Abandon puts
// the record's previous values back the same way. Priorities, never-promote, the wanted
// replica count and the notification URL live in the record only.
import { z } from 'zod'
import { defineOperationKind, type Step, type StepCommand } from '../../../operations'
import type { HostExec } from '../../host-exec'
import { KIND_MARIADB_SETTINGS } from '../kinds'
import { mariaCluster, memberOf, optionFile, who, type MariaCluster } from '../model'
import { MariaNode } from '../node'
import { readConfig, serverState, writeConfigCommand } from '../instance'
import { mariaError } from '../errors'
import { runSql, runSqlNamed, sqlCommand } from '../sql'
import { parseSemiSync, READ_SEMI_SYNC_SQL, sameSemiSync, setSemiSyncSql, wantedSemiSync, withSemiSyncLines } from './semi-sync'
import { settingsSummary } from './summary'

export const settingsParams = z.object({ cluster: mariaCluster, previous: mariaCluster })
export type MariaSettingsParams = z.output<typeof settingsParams>

const RESTART_IO_SQL = 'STOP SLAVE IO_THREAD;\nSTART SLAVE IO_THREAD;'

/** Reads file and server; says whether both already carry the settings of `c` (a stopped server: the file alone). */
async function applied(n: MariaNode, c: MariaCluster): Promise<boolean> {
  const want = wantedSemiSync(c, n.member)
  const text = await readConfig(n)
  if (text === undefined || withSemiSyncLines(text, want) !== text) return false
  if (!(await serverState(n)).answering) return true
  const [row] = await runSql(n, `${READ_SEMI_SYNC_SQL}, @@GLOBAL.rpl_semi_sync_master_wait_point`)
  return sameSemiSync(parseSemiSync(row ?? []), want, row?.[2] ?? null)
}

async function apply(n: MariaNode, c: MariaCluster): Promise<void> {
  const want = wantedSemiSync(c, n.member)
  const text = await readConfig(n)
  if (text === undefined) throw mariaError('cluster_state', `The option file of ${who(n.member)} (${optionFile(n.member)}) is missing, so its settings cannot be kept across a restart. Adopt the member again (it rewrites the file), then apply the settings.`, { host: n.host, member: n.name })
  const next = withSemiSyncLines(text, want)
  if (next !== text) await n.run(writeConfigCommand(n), { stdin: next })
  if (!(await serverState(n)).answering) return
  const [before] = await runSql(n, READ_SEMI_SYNC_SQL)
  await runSql(n, setSemiSyncSql(want))
  const replicaSideChanged = parseSemiSync(before ?? []).rpl_semi_sync_slave_enabled !== want.rpl_semi_sync_slave_enabled
  const replicating = (await runSqlNamed(n, 'SHOW ALL SLAVES STATUS')).some((r) => r.Connection_name === '' && r.Slave_IO_Running !== 'No')
  if (replicaSideChanged && replicating) await runSql(n, RESTART_IO_SQL)
}

function memberStep(hosts: HostExec, p: MariaSettingsParams, name: string, i: number): Step<MariaSettingsParams> {
  const n = new MariaNode(hosts, memberOf(p.cluster, name))
  const was = new MariaNode(hosts, p.previous.members.find((m) => m.name === name) ?? n.member)
  const commands: StepCommand[] = [
    n.planned(writeConfigCommand(n)),
    n.planned(sqlCommand(n, `SET GLOBAL ${Object.entries(wantedSemiSync(p.cluster, n.member)).map(([k, v]) => `${k}=${v}`).join(', ')} (on stdin; a stopped server takes the file when it starts)`)),
  ]
  return {
    id: `member-${i + 1}`,
    title: `Apply the semi-sync settings on ${who(n.member)}`,
    hosts: [n.host],
    plan: () => commands,
    check: () => applied(n, p.cluster),
    run: () => apply(n, p.cluster),
    // Only a member the previous record had gets its old values back.
    undo: async () => {
      if (p.previous.members.some((m) => m.name === name)) await apply(was, p.previous)
    },
  }
}

export function mariadbSettingsKind(hosts: HostExec) {
  return defineOperationKind({
    kind: KIND_MARIADB_SETTINGS,
    params: settingsParams,
    build: ({ params }) => ({
      title: `Apply the redundancy settings of ${params.cluster.id}`,
      steps: params.cluster.members.map((m, i) => memberStep(hosts, params, m.name, i)),
      summary: () => settingsSummary(params.previous, params.cluster),
    }),
  })
}
