// Stream-local forwarding to a Unix socket whose server died: the socket file stays behind, so
// its existence proves nothing. The diagnosis must say the server is not running, never blame
// sshd's forwarding settings (what a crashed PostgreSQL primary looked like before). Nor does
// a refusal by a live socket once sshd forwarded for that login.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exec as labExec } from '../../../e2e/lab'
import { fromError } from '../status/reasons'
import { failure, labContext } from '../../../e2e/support/ssh/lab-fixtures'
import type { SshService } from './service'

const ctx = labContext()
let svc: SshService
const marker = `rd-sl-listener-${process.pid}`
const path = `/tmp/${marker}.sock`

beforeAll(() => {
  svc = ctx.service()
})
afterAll(async () => {
  await labExec(ctx.host('host1'), ['sh', '-c', 'pkill -9 -f "$1"; rm -f "$2"', 'sh', marker, path])
  await ctx.closeAll()
})

const listen = () =>
  labExec(ctx.host('host1'), ['bash', '-c', `(exec -a ${marker} python3 -c 'import os, socket, sys, time; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777); s.listen(); time.sleep(120)' "$1") >/dev/null 2>&1 &`, 'sh', path], { user: 'postgres' })

describe('a Unix socket left behind by a server that died', () => {
  it('is diagnosed as "not running", not as refused forwarding', async () => {
    const h = ctx.host('host1')
    await listen()
    for (let i = 0; i < 50 && (await labExec(h, ['test', '-S', path])).code !== 0; i++) await new Promise((r) => setTimeout(r, 100))
    const ok = await svc.openStreamLocal(ctx.target(h), path)
    ok.stream.destroy()

    await labExec(h, ['pkill', '-9', '-f', marker])
    for (let i = 0; i < 50 && (await labExec(h, ['pgrep', '-f', marker])).code === 0; i++) await new Promise((r) => setTimeout(r, 100))
    expect((await labExec(h, ['test', '-S', path])).code).toBe(0) // the file stays

    const e = await failure(svc.openStreamLocal(ctx.target(h), path))
    expect(e.code).toBe('ssh_connect')
    expect(e.detail).toMatchObject({ reason: 'socket_missing', check: 'stale' })
    expect(e.message).toContain('not running')
    expect(e.message).not.toContain('AllowStreamLocalForwarding')
    expect(fromError({ name: 'db1', host: h.address }, e).code).toBe('not_running')
  })

  it('a live socket that refuses (its queue full) is not blamed on sshd once sshd forwarded for this login', async () => {
    const h = ctx.host('host1')
    const full = `/tmp/${marker}-full.sock`
    // listen(0) and never accept: one connection waits in the queue, the next is refused
    await labExec(h, ['bash', '-c', `(exec -a ${marker} python3 -c 'import os, socket, sys, time; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777); s.listen(0); time.sleep(120)' "$1") >/dev/null 2>&1 &`, 'sh', full], { user: 'postgres' })
    for (let i = 0; i < 50 && (await labExec(h, ['test', '-S', full])).code !== 0; i++) await new Promise((r) => setTimeout(r, 100))
    const first = await svc.openStreamLocal(ctx.target(h), full)
    try {
      const e = await failure(svc.openStreamLocal(ctx.target(h), full))
      expect(e.detail).toMatchObject({ reason: 'socket_refused', check: 'socket' })
      expect(e.message).not.toContain('AllowStreamLocalForwarding')
      expect(fromError({ name: 'db1', host: 'host1' }, e).code).toBe('connection_lost')
      // a login sshd never forwarded for in this process still gets the sshd advice
      const fresh = await failure(ctx.service().openStreamLocal(ctx.target(h), full))
      expect(fresh.detail).toMatchObject({ reason: 'stream_local_refused' })
      expect(fresh.message).toContain('AllowStreamLocalForwarding')
    } finally {
      first.stream.destroy()
      await labExec(h, ['rm', '-f', full])
    }
  })
})
