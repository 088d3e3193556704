// The bad-input corpus, back half: servers that misbehave, against the lab's real sshd. Cases
// already proven elsewhere are listed in e2e/corpus/README.md and not repeated here; these are
// the ones no other file covers. Each asserts the specific error, no crash, a connection that
// still works afterwards, and no canary made on the host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { escapeControls } from '../../shared/terminal-text'
import { failure, labContext, onHost } from '../support/ssh/lab-fixtures'
import type { SshService } from '../../electron/core/ssh/service'

const ctx = labContext()
let svc: SshService
const canary = `/tmp/rd-corpus-remote-canary-${process.pid}`

beforeAll(() => {
  svc = ctx.service()
})
afterAll(async () => {
  const left = await onHost(ctx.host('host1'), ['test', '-e', canary])
  await ctx.closeAll()
  expect(left.code, `${canary} exists on host1: a payload ran`).not.toBe(0)
})

const stillWorks = async () => expect((await svc.exec(ctx.target('host1'), ['echo', 'ok'])).stdout).toBe('ok\n')

describe('servers that misbehave', () => {
  it('binary output (NUL, invalid UTF-8) comes back without a crash', async () => {
    const r = await svc.exec(ctx.target('host1'), ['sh', '-c', "printf 'a\\000b\\377\\376c'; head -c 65536 /dev/urandom"])
    expect(r.exitCode).toBe(0)
    expect(r.stdout.startsWith('a\u0000b')).toBe(true)
    await stillWorks()
  })

  it('stderr only, with terminal escapes: command_failed carries it, and printing shows the escapes', async () => {
    const e = await failure(svc.exec(ctx.target('host1'), ['sh', '-c', "printf '\\033]0;owned\\007\\033[2J\\rVERIFIED\\n' >&2; exit 5"]))
    expect(e.code).toBe('command_failed')
    expect(e.message).toContain('exit 5')
    const shown = escapeControls(e.message)
    // eslint-disable-next-line no-control-regex
    expect(shown).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/)
    expect(shown).toContain('\\x1b]0;owned\\x07')
    await stillWorks()
  })

  it('no exit status at all (the session dies by a signal before it exits): a failure, never success', async () => {
    const e = await failure(svc.exec(ctx.target('host1'), ['sh', '-c', 'kill -TERM $PPID; sleep 5']))
    expect(e.code).toBe('command_failed')
    expect(e.message).toMatch(/was killed by SIGTERM/)
    expect(e.message).toContain(ctx.host('host1').address)
    await stillWorks()
  })

  it('a connection dropped in the middle of a command: a clear error, and the next command reconnects', async () => {
    // The command kills the sshd process that serves it (its shell's parent's parent).
    const e = await failure(svc.exec(ctx.target('host1'), ['sh', '-c', 'kill -9 $(ps -o ppid= -p $PPID); sleep 5'], { timeoutMs: 10_000 }))
    expect(e.message).toContain(ctx.host('host1').address)
    expect(e.code).toBe('ssh_connect')
    expect(e.message).toMatch(/was lost while .* ran; it may or may not have completed/)
    await stillWorks()
  })

  it('hostile text in a command the server echoes back is data: nothing runs', async () => {
    const payloads = [`$(touch ${canary})`, `\`touch ${canary}\``, `x; touch ${canary}`, `x\ntouch ${canary}`, `-oProxyCommand=touch ${canary}`]
    for (const p of payloads) {
      const r = await svc.exec(ctx.target('host1'), ['printf', '%s', p])
      expect(r.stdout).toBe(p)
    }
    const r = await onHost(ctx.host('host1'), ['test', '-e', canary])
    expect(r.code).not.toBe(0)
  })
})
