// The one-shot status as a whole process, for status.bench.ts: what `replicadesk status
// CLUSTER --json` does cold (no instance running: readStatusOnce in the process), without the
// CLI's argument parsing and data dir records. Through a running instance the CLI takes its
// thin path instead (electron/cli/fast-status.ts; bench section 1b). Bundled by the bench
// with esbuild and run cold with plain node:
//   node status-oneshot.mjs CONFIG.json [--timings]
// CONFIG: { knownHosts, dataDir, cluster: StatusClusterInput }. Prints the snapshot as JSON;
// with --timings, phase times (ms since process start) on stderr.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createSshService, MemoryTrustStore } from '../../electron/core/ssh'
import { readStatusOnce, type StatusClusterInput } from '../../electron/core/status'
import { postgresStatus } from '../../electron/core/engines/postgres/status'

const loadedMs = performance.now()
const [configPath, flag] = process.argv.slice(2)
const config = JSON.parse(readFileSync(configPath!, 'utf8')) as { knownHosts: string; dataDir: string; cluster: StatusClusterInput }
const ssh = createSshService({
  dataDir: config.dataDir,
  trustStore: new MemoryTrustStore(),
  knownHostsPaths: [config.knownHosts],
  sshConfigPath: join(config.dataDir, 'no-ssh-config'),
  homeDir: config.dataDir,
  agent: null,
})
const timings: Record<string, number> = {}
const status = await readStatusOnce(ssh, config.cluster, { source: postgresStatus, timings })
process.stdout.write(JSON.stringify(status) + '\n')
if (flag === '--timings') {
  const base = loadedMs
  process.stderr.write(JSON.stringify({ modulesLoadedMs: Math.round(loadedMs), ...Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round((v + base) * 10) / 10])), printedMs: Math.round(performance.now()) }) + '\n')
}
// A CLI prints and exits; closing the SSH connections politely would only add their goodbyes.
process.exit(status.members.every((m) => m.state === 'up') && !status.splitBrain ? 0 : 1)
