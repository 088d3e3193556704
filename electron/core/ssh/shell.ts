// sshd runs every command through the login shell, so our POSIX quoting is only safe when
// that shell is POSIX. On connect we prove it (arithmetic expansion, which fish and csh
// reject) and refuse other shells with a clear message.
import { AppError } from '../../../shared/errors'
import { runCommand } from './exec'
import type { Session, ShellInfo } from './session'

// Built by hand, not through quote.ts: it must be readable by any shell so we learn which
// one we face. No user input in it.
const PROBE = 'echo rd-probe-$((6*7)) "$SHELL" "$(command -v timeout || echo none)"'
const NAME_PROBE = 'echo $SHELL'
const NOT_POSIX = /(^|\/)(fish|csh|tcsh|nu|xonsh|elvish|pwsh|powershell|rc|es)$/

export async function checkLoginShell(session: Session, timeoutMs: number): Promise<ShellInfo> {
  const t = session.target
  const base = { host: t.address, port: t.port, user: t.user }
  const r = await runCommand(session, [], { raw: true, timeoutMs, okExitCodes: allCodes, rawLine: PROBE }).catch((e: unknown): Error => (e instanceof Error ? e : new Error(String(e))))
  const out = r instanceof Error ? '' : r.stdout
  const m = /^rd-probe-42 (\S*) (\S+)\s*$/m.exec(out)
  if (m && !NOT_POSIX.test(m[1]!)) {
    return { shell: m[1] || 'unknown', timeoutPath: m[2] === 'none' ? undefined : m[2] }
  }
  // Learn the shell's name for the message (this line works in csh and fish too).
  const n = await runCommand(session, [], { raw: true, timeoutMs, okExitCodes: allCodes, rawLine: NAME_PROBE }).catch(() => undefined)
  const name = (m?.[1] || n?.stdout.trim().split('\n')[0] || '').slice(0, 100)
  const exit = r instanceof Error ? r.message : `exit ${r.exitCode}`
  throw new AppError(
    'ssh_shell_unsupported',
    name && !/(false|nologin)$/.test(name)
      ? `The login shell of ${t.user} on ${t.address} is ${name}, which is not a POSIX shell; ReplicaDesk only runs commands through sh-compatible shells (bash, dash, zsh, ksh). Change it with: chsh -s /bin/bash ${t.user}`
      : `${t.user} on ${t.address} cannot run commands (login shell ${name || 'unknown'}, ${exit}). Give the account a POSIX login shell such as /bin/bash.`,
    { ...base, shell: name || undefined },
  )
}

const allCodes = Array.from({ length: 256 }, (_, i) => i)
