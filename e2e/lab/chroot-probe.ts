// Run by chroot.lab.test.ts INSIDE an overlay chroot of `/` (tsx e2e/lab/chroot-probe.ts MARK
// OUTER_PID): brings up a one-host lab there and writes /etc/MARK.<way> through every way into a
// host — exec (nsenter), SSH to the sshd booted with the host, SSH to an sshd started again
// (startSshd's nsenter), a unit run by the systemctl stand-in — then takes the lab down. The test
// reads where the files landed. Prints one JSON line: the root ids seen and the checks made here.
import { join } from 'node:path'
import { assertSameRoot, enterArgs, rootId } from './same-root'
import { labRoot } from './state'

const [marker, outerPid] = process.argv.slice(2)
if (!marker || !outerPid) throw new Error('usage: chroot-probe.ts MARK OUTER_PID')
process.env.REPLICADESK_LAB_STATE = join(labRoot(), `chroot-probe-${process.pid}.json`)

const { execOk, labDown, labUp, resetHost, ssh } = await import('./index')
const { sshdPid, holderPid } = await import('./netns')
const { run, waitFor } = await import('./run')

const out: Record<string, unknown> = { root: rootId('self') }
const lab = await labUp({ hosts: 1, mode: 'netns' })
try {
  const h = lab.hosts[0]!
  const asAdmin = { user: lab.users.admin, lab }
  const sshOk = async (cmd: string, input?: string) => {
    const r = await ssh(h, cmd, { ...asAdmin, input })
    if (r.code !== 0) throw new Error(`ssh ${cmd}: ${r.code} ${r.stderr}`)
    return r.stdout.trim()
  }
  await execOk(h, ['sh', '-c', `echo exec > /etc/${marker}.exec`], { lab })
  out.sshRoot = await sshOk(`stat -c %d:%i / && sudo -n sh -c 'echo ssh > /etc/${marker}.ssh'`)

  // sshd gone, namespaces held: resetHost starts sshd again through nsenter.
  const first = sshdPid(h)!
  process.kill(first, 'SIGKILL')
  await waitFor('sshd to die', () => sshdPid(h) !== first)
  await resetHost(h, lab)
  await sshOk(`sudo -n sh -c 'echo ssh2 > /etc/${marker}.ssh2'`)

  const unit = `[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo unit > /etc/${marker}.unit'\n`
  await sshOk('sudo -n tee /etc/systemd/system/chroot-probe.service >/dev/null && sudo -n systemctl start chroot-probe', unit)

  // What the lab guards against: entering the mount namespace without -r lands on the real root.
  const holder = holderPid(h)!
  const noR = enterArgs(holder).filter((a) => a !== '-r' && a !== '-w')
  out.withoutR = (await run('nsenter', [...noR, '--', 'stat', '-c', '%d:%i', '/'])).stdout.trim()
  out.withR = (await run('nsenter', [...enterArgs(holder), '--', 'stat', '-c', '%d:%i', '/'])).stdout.trim()
  // And the refusal: a process outside this chroot (the test worker) does not see our `/`.
  out.refusal = await assertSameRoot('outer', Number(outerPid), []).then(
    () => 'accepted',
    (err: Error) => err.message,
  )
} finally {
  await labDown()
}
console.log(JSON.stringify(out))
