// The lab never leaves its chroot: the test builds an overlay chroot of `/` (tmpfs upper dir, in a
// private mount namespace, so it costs milliseconds and vanishes with the namespace), runs
// chroot-probe.ts inside it — a one-host lab up, commands through exec, SSH, a restarted sshd and
// a systemctl unit, down — and checks that every file a host wrote landed in the overlay's upper
// dir, none in the machine's real /etc. And a cleanup on this side leaves alone the links of a lab
// it cannot see (run from another mount namespace), instead of deleting them as orphans.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { requireNetns } from './index'
import { cleanRuns } from './cleanup'
import { run, waitFor } from './run'
import { rootId } from './same-root'
import { labRoot, type Lab } from './state'

const repo = join(import.meta.dirname, '..', '..')

// Runs in a private mount namespace: overlay of / on a tmpfs, the kernel's filesystems bound in,
// then the probe. The lab dir is bound in too, so that every cleanup on the machine (other trees'
// older code included) knows the chroot's run and leaves its links; /run/netns stays the overlay's.
const script = `set -eu
t=$1 repo=$2 labdir=$3 marker=$4; shift 4
mount -t tmpfs rdlab-chroot "$t"
mkdir "$t/upper" "$t/work" "$t/merged"
mount -t overlay rdlab-chroot -o "lowerdir=/,upperdir=$t/upper,workdir=$t/work" "$t/merged"
for d in proc sys dev; do mount --rbind "/$d" "$t/merged/$d"; done
mount --bind "$labdir" "$t/merged$labdir"
chroot "$t/merged" /bin/sh -c 'cd "$0" && exec node_modules/.bin/tsx e2e/lab/chroot-probe.ts "$@"' "$repo" "$marker" "$@"
echo "UPPER: $(cd "$t/upper" && ls -d etc/"$marker".* | tr '\\n' ' ')"
[ -d "$t/upper/run/netns" ] && echo "WROTE: run/netns"
`

it('passes inside an overlay chroot of /, and every file a host writes stays in the chroot', async (ctx) => {
  if (!requireNetns('the chroot probe brings up a netns lab', { skip: ctx.skip })) return
  const marker = `rdlab-chroot-${randomBytes(4).toString('hex')}`
  const t = mkdtempSync(join(tmpdir(), 'rdlab-chroot-'))
  try {
    const r = await run('unshare', ['--mount', '--propagation', 'private', 'bash', '--norc', '-c', script, 'chroot', t, repo, labRoot(), marker, String(process.pid)], {
      timeoutMs: 50_000,
      allowFail: true,
    })
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trim().split('\n')
    const seen = JSON.parse(lines.find((l) => l.startsWith('{'))!) as Record<string, string>
    const upper = lines.find((l) => l.startsWith('UPPER: '))!.slice(7).trim().split(' ')

    const ways = ['exec', 'ssh', 'ssh2', 'unit']
    // The chroot's netns names were written in the overlay too.
    expect(lines.filter((l) => l.startsWith('WROTE: '))).toEqual(['WROTE: run/netns'])
    expect(upper.sort()).toEqual(ways.map((w) => `etc/${marker}.${w}`).sort())
    for (const w of ways) expect(existsSync(`/etc/${marker}.${w}`)).toBe(false)

    expect(seen.root).not.toBe(rootId('self')) // the probe really ran in another root
    expect(seen.sshRoot).toBe(seen.root)
    expect(seen.withR).toBe(seen.root)
    expect(seen.withoutR).toBe(rootId('self')) // without -r, nsenter lands on the machine's /
    expect(seen.refusal).toMatch(/its view of \/ is not the caller's .* refuses to start/)
  } finally {
    rmdirSync(t)
  }
})

// A lab in a private mount namespace with its own /run/netns and a lab dir the register here does
// not list: from this side its prefix is unknown and its netns has no name, like a chroot's lab.
const elsewhere = `set -eu
dir=$1 repo=$2; shift 2
mount -t tmpfs rdlab-elsewhere /run/netns
export REPLICADESK_LAB_DIR=$dir REPLICADESK_LAB_STATE=$dir/state.json
cd "$repo"
node_modules/.bin/tsx e2e/lab/cli.ts up --hosts 1 --mode netns >/dev/null
cp "$dir/state.json" "$dir/up.json"
for i in $(seq 300); do [ -e "$dir/go" ] && break; sleep 0.1; done
node_modules/.bin/tsx e2e/lab/cli.ts down >/dev/null
`

it('leaves the links of a lab run from another mount namespace when cleaning up here', async (ctx) => {
  if (!requireNetns('needs netns labs on both sides', { skip: ctx.skip })) return
  const dir = mkdtempSync(join(labRoot(), 'elsewhere-')) // not a run dir: the register here skips it
  const done = run('unshare', ['--mount', '--propagation', 'private', 'bash', '--norc', '-c', elsewhere, 'elsewhere', dir, repo], { timeoutMs: 50_000, allowFail: true })
  let removed: string[] = []
  let links: string[] = []
  let before = ''
  try {
    await waitFor('the other lab to be up', () => existsSync(join(dir, 'up.json')), 30_000)
    const other = JSON.parse(readFileSync(join(dir, 'up.json'), 'utf8')) as Lab
    links = [other.bridge, other.hosts[0]!.veth]
    before = (await run('ip', ['-o', 'link', 'show', other.hosts[0]!.veth])).stdout
    // A cleanup here, for a state file of its own (so the run's shared lab stays).
    const shared = process.env.REPLICADESK_LAB_STATE
    process.env.REPLICADESK_LAB_STATE = join(dir, 'cleaner.json')
    try {
      removed = await cleanRuns()
    } finally {
      process.env.REPLICADESK_LAB_STATE = shared
    }
  } finally {
    writeFileSync(join(dir, 'go'), '') // the other lab goes down
  }
  const r = await done
  rmSync(dir, { recursive: true, force: true })
  expect(before).toContain(' link-netnsid ') // its netns has no name here
  // What this cleanup removed (other cleanups on a shared machine may run older code: not asserted).
  for (const l of links) expect(removed).not.toContain(`link ${l}`)
  expect(r.code, r.stderr).toBe(0)
})
