// A second process for the MariaDB role-change lab tests, started with tsx:
//   roles-child.ts DATA_DIR METHOD PARAMS_JSON
// runs engine.METHOD(PARAMS) (switchover, failover, fence) on DATA_DIR's journal against the lab
// (REPLICADESK_FAULT, set by the test, makes the runner SIGKILL itself at that point); prints
// the final status.
import { makeReplicaWorld } from './replica-world'

const [dataDir, method, params] = process.argv.slice(2)
if (!dataDir || !params || !['switchover', 'failover', 'fence'].includes(method ?? '')) throw new Error('usage: roles-child.ts DATA_DIR switchover|failover|fence PARAMS_JSON')
const w = await makeReplicaWorld(dataDir)
const engine = w.engine as unknown as Record<string, (p: unknown) => Parameters<typeof w.run>[0]>
const { summary } = await w.run(engine[method!]!(JSON.parse(params)))
process.stdout.write(`${summary.status}${summary.error ? ` ${summary.error.message}` : ''}\n`)
await w.close()
