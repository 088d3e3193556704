// The hostile values the bad-input corpus puts into every user-supplied field: each tries to
// become shell code, an option, a second line, a reordered display, or a memory problem.
// A canary path that a payload would create if any shell ever ran it.
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const canary = join(tmpdir(), `rd-corpus-canary-${process.pid}`)

export const payloads: ReadonlyArray<readonly [label: string, value: string]> = [
  ['shell substitution', `$(touch ${canary})`],
  ['backticks', `\`touch ${canary}\``],
  ['command separator', `x; touch ${canary}`],
  ['pipe and redirect', `x | tee ${canary} > /dev/null`],
  ['newline', `x\ntouch ${canary}`],
  ['leading dash', '-oProxyCommand=touch_canary'],
  ['double dash option', '--help'],
  ['empty', ''],
  ['10 kB', 'a'.repeat(10_240)],
  ['NUL byte', 'x\u0000y'],
  ['escape sequence', '\u001b]0;owned\u0007'],
  ['direction override', 'gpj.\u202eexe'],
  ['unicode letters', 'größe-日本'],
  ['path traversal', '../../etc/passwd'],
  ['glob', '*'],
]
