// `npm run test:soak`: the repetitions that are too long for `npm test` (each fault scenario
// runs once there). Run before calling an issue resolved; the summary goes in the issue note.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { ensureBuild, ensureNodeModules, root } from './ensure.mjs'

ensureNodeModules()
ensureBuild()

const tsx = join(root, 'node_modules', '.bin', 'tsx')
const vitest = join(root, 'node_modules', '.bin', 'vitest')
const times = Number(process.env.SOAK_TIMES ?? 3)

/** Each entry: a name and a command, run `repeat` times; every run must pass. */
const soaks = [
  { name: 'lab up/down from the command line', repeat: times, cmd: ['sh', '-c', `${tsx} e2e/lab/cli.ts up && ${tsx} e2e/lab/cli.ts down`] },
  { name: 'lab self-test (power-off, machine-id, systemctl and apt stand-ins, chroot)', repeat: times, cmd: [vitest, 'run', '--project', 'lab', 'e2e/lab'] },
  // Issue 12: a bare host and a shared machine-id from the command line.
  { name: 'lab up/down with a bare host and a shared machine-id', repeat: times, cmd: ['sh', '-c', `${tsx} e2e/lab/cli.ts up --bare-host bare1 --same-machine-id host2=host3 && ${tsx} e2e/lab/cli.ts down`] },
  // Issue 4: the SSH layer against real sshd (cut detection, injection canaries, key checks).
  { name: 'ssh layer', repeat: times, cmd: [vitest, 'run', '--project', 'lab', 'electron/core/ssh', 'electron/cli/cli-hosts'] },
  // Issue 5: create, add with progress, kill the app mid-copy then resume / abandon.
  { name: 'cluster commands with kill and resume', repeat: times, cmd: [vitest, 'run', '--project', 'lab', 'electron/cli/cli-clusters'] },
  { name: 'postgres engine (plain, Debian via sudo, create/adopt)', repeat: 1, cmd: [vitest, 'run', '--project', 'lab', 'electron/core/engines'] },
  { name: 'operations journal crash at every step', repeat: times, cmd: [vitest, 'run', '--project', 'unit', 'electron/core/operations'] },
  { name: 'live status (down within 2 s, split brain)', repeat: times, cmd: [vitest, 'run', '--project', 'lab', 'electron/core/status'] },
  { name: 'demo cluster (up, status, removed when npm start dies)', repeat: 2, cmd: [vitest, 'run', '--project', 'lab', 'e2e/demo'] },
  // Issue 22: the bad-input corpus (inputs, transports, misbehaving servers) and headless auth/TLS.
  { name: 'bad-input corpus and headless hardening', repeat: times, cmd: [vitest, 'run', 'e2e/corpus', 'electron/server', 'electron/main', 'e2e/lint'] },
  // Issues 7 and 8 (SOAK=1 in the env: 5 rounds inside each test, crash points before and after every step).
  { name: 'switchover there and back ×5 under the write probe, async and sync', repeat: 1, cmd: [vitest, 'run', '--project', 'lab', 'electron/core/engines/postgres/switchover-probe'] },
  { name: 'switchover and failover killed before/after every step (resume / abandon)', repeat: 1, cmd: [vitest, 'run', '--project', 'lab', 'electron/cli/cli-roles'] },
  { name: 'failover: cut+heal; postmaster-kill, host-kill and power-off ×5 each (sync, under the probe); split brain; through a running instance', repeat: 1, cmd: [vitest, 'run', '--project', 'lab', 'electron/cli/cli-failover'] },
  { name: 'role changes: async bound, Debian via sudo, rejoin and rebuild', repeat: times, cmd: [vitest, 'run', '--project', 'lab', 'electron/core/engines/postgres/failover', 'electron/core/engines/postgres/roles-debian', 'electron/core/engines/postgres/rejoin', 'electron/core/engines/postgres/switchover.lab'] },
  // Issue 16: settings applied and verified; the CLI killed before/after every step of a settings change; drift.
  { name: 'redundancy settings: modes, rolling restart, drift, killed at every step', repeat: times, cmd: [vitest, 'run', '--project', 'lab', 'electron/core/engines/postgres/settings', 'electron/cli/cli-redundancy'] },
  // Issue 16: the replicas wanted, 1 → 2 → 1, the CLI killed after every step of the add (resumed and abandoned in turn).
  { name: 'replicas wanted: add and remove from settings, killed at every step of the add', repeat: times, cmd: [vitest, 'run', '--project', 'lab', 'electron/cli/cli-replica-count'] },
  // Issue 17: strict vs available when the synchronous replicas die; the verdict's numbers.
  { name: 'health verdict and lost synchronous replicas (strict, available, restored by the next instance)', repeat: times, cmd: [vitest, 'run', 'electron/core/health', 'electron/core/clusters', 'electron/cli/cli-lost-sync'] },
  // Issue 18: the address moved host to host (gratuitous ARP followed by a third host).
  { name: 'service address: building blocks, and from the CLI (in use, sudo rule, switchover under an address-only probe, fence, rejoin, removal)', repeat: times, cmd: [vitest, 'run', 'electron/core/address', 'electron/cli/cli-address'] },
  // Issue 19: the hand-over to Patroni + etcd (TLS, keepalived address, role-change callback), an
  // unattended failover on power-off (the address follows), a switchover, settings and failover
  // through Patroni's REST API, the hand-back, then ReplicaDesk's own switchover; adopt into a fresh
  // store and a rebuild through POST /reinitialize; write gaps printed.
  { name: 'Patroni hand-over and power-off (no click), address and callback, REST switchover, hand-back, adopt, rebuild', repeat: times, cmd: [vitest, 'run', '--project', 'lab', 'electron/core/engines/postgres/patroni/handover.lab', 'electron/core/engines/postgres/patroni/adopt.lab'] },
  // Issue 19 in the browser: the switch, a power-off, the new leader shown without a click, etcd 1/3 explained.
  { name: 'Patroni in the browser: the switch, power-offs, the new leader without a click', repeat: times, cmd: [join(root, 'node_modules', '.bin', 'playwright'), 'test', '--project=browser', 'e2e/specs/patroni-lab.spec.ts'] },
  // Issue 19: Patroni unattended under faults: a 1 s blip (no failover), the leader cut with a writer
  // inside its namespace (overlap 0, nothing lost), one then two etcd voters down.
  { name: 'Patroni faults: blip, cut, etcd voters', repeat: times, cmd: [vitest, 'run', '--project', 'lab', 'electron/core/engines/postgres/patroni/faults.lab'] },
  // Issue 21: prepare a bare host, install through the apt stand-in, clean.
  { name: 'host prepare and clean on a bare host', repeat: times, cmd: [vitest, 'run', '--project', 'lab', 'electron/core/hosts/prepare'] },
  // Issues 20 and 21 in the browser: the first hour (plans, badges, a killed primary) and the Prepare wizard, forget → clean.
  { name: 'first hour, Prepare wizard and cluster wizards in the browser', repeat: times, cmd: [join(root, 'node_modules', '.bin', 'playwright'), 'test', '--project=browser', 'e2e/specs/first-hour.spec.ts', 'e2e/specs/prepare-lab.spec.ts', 'e2e/specs/clusters-lab.spec.ts'] },
  // Issue 23: MariaDB replicas added (relayed copy with progress) and removed; the runner killed before and after every step of the add (and during the copy; not the catch-up, found done at once on a quiet primary), each point resumed and abandoned.
  { name: 'MariaDB replicas: add two, remove one, killed at every step of the add', repeat: 1, cmd: [vitest, 'run', '--project', 'lab', 'electron/core/engines/mariadb/mariadb-replica'] },
  // Issue 24: MariaDB switchover and failover under the write probe; the runner killed before and after every step of both, each point resumed and abandoned.
  { name: 'MariaDB role changes: killed at every step of switchover and failover', repeat: 1, cmd: [vitest, 'run', '--project', 'lab', 'electron/core/engines/mariadb/mariadb-roles'] },
  // Issues 23 and 24: create/adopt (plain, Debian via sudo), live status, rejoin with errant GTIDs, the write probe, the lab's MariaDB, and the CLI end to end (semi-sync settings, verdict, switchover there and back).
  { name: 'MariaDB create, status, rejoin, probe, lab and the CLI', repeat: times, cmd: [vitest, 'run', '--project', 'lab', 'electron/core/engines/mariadb/mariadb-create', 'electron/core/engines/mariadb/status', 'electron/core/engines/mariadb/rejoin', 'e2e/support/mariadb', 'e2e/lab/mariadb', 'electron/cli/cli-mariadb'] },
  { name: 'MariaDB in the browser: create, two replicas, semi-sync and the verdict, switchover, failover, rejoin and rebuild', repeat: times, cmd: [join(root, 'node_modules', '.bin', 'playwright'), 'test', '--project=browser', 'e2e/specs/mariadb-lab.spec.ts', 'e2e/specs/mariadb-roles-lab.spec.ts'] },
  // Issue 20: a killed postmaster diagnosed (stopped at, log lines), never blamed on sshd.
  { name: 'a crashed server diagnosed', repeat: times, cmd: [vitest, 'run', '--project', 'lab', 'electron/core/engines/postgres/status'] },
]

const only = process.argv[2]
let passed = 0
let failed = 0
for (const soak of soaks.filter((s) => !only || s.name.includes(only))) {
  for (let i = 1; i <= soak.repeat; i++) {
    const t = Date.now()
    const r = spawnSync(soak.cmd[0], soak.cmd.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, SOAK: '1' } })
    const ok = r.status === 0
    if (ok) passed++
    else failed++
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${soak.name} #${i} (${((Date.now() - t) / 1000).toFixed(1)} s)`)
    if (!ok) console.log((r.stdout + r.stderr).split('\n').slice(-40).join('\n'))
  }
}
console.log(`soak: ${passed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
