// A second process for the MariaDB replica lab tests, started with tsx:
//   replica-child.ts DATA_DIR PARAMS_JSON
// runs an add-replica on DATA_DIR's journal against the lab (REPLICADESK_FAULT, set by the
// test, makes the runner SIGKILL itself at that point); prints the final status.
import { makeReplicaWorld } from './replica-world'

const [dataDir, params] = process.argv.slice(2)
if (!dataDir || !params) throw new Error('usage: replica-child.ts DATA_DIR PARAMS_JSON')
const w = await makeReplicaWorld(dataDir)
const { summary } = await w.run(w.engine.addReplica(JSON.parse(params)))
process.stdout.write(`${summary.status}\n`)
await w.close()
