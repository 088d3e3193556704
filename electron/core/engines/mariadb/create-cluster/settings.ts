// settings (adopt): ReplicaDesk's option file for the running server, and SET GLOBAL for the
// settings it takes at once (server_id, binlog_format, gtid_strict_mode, the semi-sync ones).
// The check reads the server and the file on every attempt; restart-only settings are the
// restart step's.
import type { Step } from '../../../operations'
import type { CreateClusterParams } from '../create-cluster'
import { readConfig, writeConfigCommand } from '../instance'
import { optionFile } from '../model'
import { runSql, sqlCommand } from '../sql'
import { readAdoptTarget } from './adopt'
import type { CreateClusterOp } from './context'

export function settingsStep(op: CreateClusterOp): Step<CreateClusterParams> {
  const { m, P } = op
  return {
    id: 'settings',
    title: `Replication settings on ${m.name}`,
    hosts: [m.host],
    plan: () => [
      P.planned({ ...writeConfigCommand(P), note: `${optionFile(m)}: server_id, binary log (ROW), log_slave_updates, gtid_strict_mode, semi-sync, bind-address` }),
      P.planned({ ...sqlCommand(P), note: 'SET GLOBAL for the settings that differ and take effect at once (server_id, binlog_format, gtid_strict_mode, rpl_semi_sync_*)' }),
    ],
    async check() {
      const t = await readAdoptTarget(op)
      return t.setGlobal.length === 0 && (await readConfig(P)) === t.text
    },
    async run(_ctx, report) {
      const t = await readAdoptTarget(op)
      if ((await readConfig(P)) !== t.text) await P.run(writeConfigCommand(P), { stdin: t.text })
      if (t.setGlobal.length) await runSql(P, t.setGlobal.join(';\n'))
      report({ message: `${t.setGlobal.length} setting${t.setGlobal.length === 1 ? '' : 's'} changed now${t.restartFor.length ? `; at the restart: ${t.restartFor.join(', ')}` : ''}` })
    },
  }
}
