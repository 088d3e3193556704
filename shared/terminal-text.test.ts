import { describe, expect, it } from 'vitest'
import { escapeControls } from './terminal-text'

describe('escapeControls', () => {
  it('shows escape sequences, carriage returns and bells as text', () => {
    expect(escapeControls('\u001b]0;pwned\u0007title')).toBe('\\x1b]0;pwned\\x07title')
    expect(escapeControls('\u001b[2J\u001b[Hcleared')).toBe('\\x1b[2J\\x1b[Hcleared')
    expect(escapeControls('FAILED\r\u001b[32mverified\u001b[0m')).toBe('FAILED\\x0d\\x1b[32mverified\\x1b[0m')
    expect(escapeControls('a\u009bb\u007fc\u0000')).toBe('a\\x9bb\\x7fc\\x00')
  })

  it('shows direction overrides, which reorder what the reader sees', () => {
    expect(escapeControls('rm \u202egnp.exe')).toBe('rm \\u202egnp.exe')
    expect(escapeControls('\u2066x\u2069')).toBe('\\u2066x\\u2069')
  })

  it('keeps newlines, tabs and ordinary unicode', () => {
    expect(escapeControls('line 1\n\tline 2 — größe ✓ 日本')).toBe('line 1\n\tline 2 — größe ✓ 日本')
  })
})
