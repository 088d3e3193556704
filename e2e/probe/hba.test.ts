import { describe, expect, it } from 'vitest'
import { PROBE_HBA_MARK, probeHbaLines, withoutProbeLines, withProbeLines } from './hba'

const file = [
  '# BEGIN ReplicaDesk (managed: changes inside this block are replaced)',
  'host   replication  rd_repl          10.77.3.11/32        scram-sha-256',
  '# END ReplicaDesk',
  'local   all   all   peer',
  'host    all   all   0.0.0.0/0   reject',
  '',
].join('\n')

describe('probe hba lines', () => {
  it('go on top, before the managed block and any reject, once however often they are added', () => {
    const lines = probeHbaLines('10.77.3.1')
    const once = withProbeLines(file, lines)
    expect(withProbeLines(once, lines)).toBe(once)
    expect(once.split('\n').slice(0, 3)).toEqual([PROBE_HBA_MARK, 'host    postgres    rdprobe    10.77.3.1/32    scram-sha-256', file.split('\n')[0]])
  })
  it('come off again, leaving the file as it was', () => {
    expect(withoutProbeLines(withProbeLines(file, probeHbaLines('10.77.3.1')))).toBe(file)
  })
  it('need an IP address', () => {
    expect(probeHbaLines('::1')[1]).toContain('::1/128')
    expect(() => probeHbaLines('host1')).toThrow(/not an IP/)
  })
})
