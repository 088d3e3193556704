// The ONLY place where a remote shell line is built. Every argument is quoted for a POSIX
// shell; no caller ever concatenates user input into a command string.
import { AppError } from '../../../shared/errors'

/** An argv element that must never be logged or shown (passwords, tokens). */
export class SecretArg {
  constructor(readonly value: string) {}
  // Any accidental stringification (logs, errors, JSON) shows the mask, never the value.
  toString(): string {
    return '***'
  }
  toJSON(): string {
    return '***'
  }
}

export function secret(value: string): SecretArg {
  return new SecretArg(value)
}

export type Arg = string | SecretArg

// Words made only of these characters mean the same quoted or not in sh, bash, dash, ksh
// and zsh; leaving them bare keeps logged command lines readable. No leading '=' or '~'
// (zsh and tilde expansion) and no glob or brace characters.
const bare = /^[A-Za-z0-9_/.,:@+-]+$/

/** POSIX single-quote quoting of one word. Rejects NUL, which no exec'd argument can hold. */
export function quoteArg(arg: string): string {
  if (typeof arg !== 'string') {
    throw new AppError('invalid_input', 'A command argument must be a string.', { got: typeof arg })
  }
  if (arg.includes('\0')) {
    throw new AppError('invalid_input', 'A command argument contains a NUL byte, which cannot be passed to a remote command.')
  }
  if (arg === '') return "''"
  if (bare.test(arg)) return arg
  // 'it'\''s': close the quote, add an escaped quote, reopen. Empty pieces are dropped so the
  // output never holds '' (zsh's RC_QUOTES would read that as a quote character).
  return arg
    .split("'")
    .map((piece) => (piece === '' ? '' : `'${piece}'`))
    .join("\\'")
}

export function argValue(arg: Arg): string {
  return arg instanceof SecretArg ? arg.value : arg
}

/** argv with secrets masked, for logs and error messages. */
export function redactArgv(argv: readonly Arg[]): string[] {
  return argv.map((a) => (a instanceof SecretArg ? '***' : a))
}

/** Joins a quoted argv into one shell line. */
export function commandLine(argv: readonly Arg[]): string {
  if (!Array.isArray(argv) || argv.length === 0) {
    throw new AppError('invalid_input', 'A remote command needs at least the program name.')
  }
  return argv.map((a) => quoteArg(argValue(a))).join(' ')
}

export interface WrapOptions {
  /** Remote time limit; the process group gets TERM, then KILL 2 s later. */
  timeoutMs: number
  /** Run through `sudo -n`; a string names the target user (`sudo -n -u NAME`). */
  sudo?: boolean | string
}

// Seconds for coreutils/busybox `timeout`; fractions are accepted by both.
function seconds(ms: number): string {
  const s = Math.max(ms, 1) / 1000
  return String(Math.round(s * 1000) / 1000)
}

export const TIMEOUT_KILL_AFTER_S = 2

/** The argv actually sent: optional sudo, then `timeout` so the remote process dies too. */
export function wrapArgv(argv: readonly Arg[], opts: WrapOptions): Arg[] {
  // sudo outside timeout: timeout then runs as the target user and can kill its own group.
  const timed: Arg[] = ['timeout', '-k', String(TIMEOUT_KILL_AFTER_S), seconds(opts.timeoutMs), ...argv]
  if (!opts.sudo) return timed
  // LC_ALL=C: sudo's own messages (the password prompt we detect) in English.
  const sudo: Arg[] = ['env', 'LC_ALL=C', 'sudo', '-n']
  if (typeof opts.sudo === 'string') sudo.push('-u', opts.sudo)
  return [...sudo, '--', ...timed]
}
