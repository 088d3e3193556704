import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import { commandLine, quoteArg, redactArgv, secret, wrapArgv } from './quote'

// What a real POSIX shell makes of our line: each argument printed between NUL bytes.
function throughShell(shell: string, args: string[]): string[] {
  const line = commandLine(['printf', '%s\\0', ...args])
  const r = spawnSync(shell, ['-c', line], { encoding: 'utf8' })
  expect(r.status).toBe(0)
  return r.stdout.split('\0').slice(0, -1)
}

const nasty = [
  '',
  ' ',
  "'",
  "''",
  "it's",
  '"',
  '\\',
  '$(touch /tmp/rd-canary)',
  '`id`',
  '; rm -rf /',
  'a|b&c',
  '$HOME ${PATH} $0 $$',
  'line1\nline2',
  '\t\r',
  '*',
  '~',
  '~root',
  '=ls',
  '!',
  '{a,b}',
  '-n',
  '--',
  'ünïcødé ✓',
  "'\\''",
  'end\\',
]

describe('quoteArg', () => {
  it('leaves plain words bare and quotes everything else', () => {
    expect(quoteArg('pg_ctl')).toBe('pg_ctl')
    expect(quoteArg('/usr/lib/postgresql/15/bin')).toBe('/usr/lib/postgresql/15/bin')
    expect(quoteArg('')).toBe("''")
    expect(quoteArg('a b')).toBe("'a b'")
    expect(quoteArg("it's")).toBe("'it'\\''s'")
    expect(quoteArg("'")).toBe("\\'")
    expect(quoteArg('=x')).toBe("'=x'")
    expect(quoteArg('~')).toBe("'~'")
  })

  it('never emits two adjacent quote characters inside a quoted string', () => {
    // zsh's RC_QUOTES reads '' inside quotes as a quote: outside escaped \' there is none.
    for (const s of nasty.filter((x) => x !== '')) {
      const q = quoteArg(s)
      const tokens = q.match(/'[^']*'|\\'|[^'\\]+|\\/g) ?? []
      expect(tokens.join('')).toBe(q)
      for (const t of tokens) expect(t).not.toBe("''")
    }
  })

  it('rejects NUL and non-strings with invalid_input', () => {
    expect(() => quoteArg('a\0b')).toThrow(AppError)
    expect(() => quoteArg(42 as unknown as string)).toThrow(/must be a string/)
    expect(() => commandLine([])).toThrow(/at least the program name/)
  })

  for (const shell of ['/bin/sh', '/bin/bash', '/bin/dash']) {
    it(`round-trips hostile arguments through ${shell}`, () => {
      expect(throughShell(shell, nasty)).toEqual(nasty)
    })
  }

  it('round-trips random strings through sh', () => {
    const alphabet = "ab '\"\\$`;|&()<>*?[]{}~#!%^=\n\t-"
    let seed = 7
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const words = Array.from({ length: 300 }, () => Array.from({ length: Math.floor(rnd() * 12) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(''))
    expect(throughShell('/bin/sh', words)).toEqual(words)
  })
})

describe('secrets and wrapping', () => {
  it('masks secret arguments everywhere but the command line', () => {
    const argv = ['psql', '-c', secret('ALTER ROLE x PASSWORD $$hunter2$$')]
    expect(redactArgv(argv)).toEqual(['psql', '-c', '***'])
    expect(JSON.stringify(argv)).not.toContain('hunter2')
    expect(String(argv[2])).toBe('***')
    expect(commandLine(argv)).toContain('hunter2')
  })

  it('wraps in timeout, and sudo -n outside it', () => {
    expect(wrapArgv(['sleep', '100'], { timeoutMs: 1500 })).toEqual(['timeout', '-k', '2', '1.5', 'sleep', '100'])
    expect(wrapArgv(['id'], { timeoutMs: 60_000, sudo: 'postgres' })).toEqual(['env', 'LC_ALL=C', 'sudo', '-n', '-u', 'postgres', '--', 'timeout', '-k', '2', '60', 'id'])
    expect(wrapArgv(['id'], { timeoutMs: 1000, sudo: true })).toEqual(['env', 'LC_ALL=C', 'sudo', '-n', '--', 'timeout', '-k', '2', '1', 'id'])
  })
})
