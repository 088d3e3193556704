// The installers' Electron fuses (electron-builder.yml): the packaged app cannot be turned into a
// plain Node (ELECTRON_RUN_AS_NODE, NODE_OPTIONS, --inspect), loads only its own checked asar and
// encrypts its cookies. Installers are not built here (that downloads Electron): this reads the
// config that builds them.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

/** The `electronFuses:` block of the YAML as key → value (flat `key: value` lines only). */
function fuses(yaml: string): Record<string, string> {
  const lines = yaml.split('\n')
  const start = lines.findIndex((l) => /^electronFuses:\s*$/.test(l))
  if (start < 0) return {}
  const out: Record<string, string> = {}
  for (const line of lines.slice(start + 1)) {
    const m = /^\s+(\w+):\s*(\S+)\s*$/.exec(line)
    if (!m) break
    out[m[1]!] = m[2]!
  }
  return out
}

describe('electron-builder.yml', () => {
  const config = readFileSync('electron-builder.yml', 'utf8')

  it('flips the fuses of the security checklist', () => {
    expect(fuses(config)).toEqual({
      runAsNode: 'false',
      enableCookieEncryption: 'true',
      enableNodeOptionsEnvironmentVariable: 'false',
      enableNodeCliInspectArguments: 'false',
      enableEmbeddedAsarIntegrityValidation: 'true',
      onlyLoadAppFromAsar: 'true',
      grantFileProtocolExtraPrivileges: 'false',
    })
  })

  it('packs the app into an asar (the integrity and asar-only fuses need one)', () => {
    expect(config).not.toMatch(/^asar:\s*false/m)
  })
})
