import { describe, expect, it } from 'vitest'
import type { PgCluster, PgDetection } from '../../../shared/postgres'
import { adoptableInstances, describeInstance, freePort, memberNameFrom, prefillFromInstance, suggestDataDir, suggestMajor, usedDataDirs, usedPorts } from './suggest'

const detection: PgDetection = {
  host: 'host1',
  loginUser: 'postgres',
  addresses: ['10.0.0.1'],
  versions: [
    { major: '13', version: '13.9', binDir: '/usr/lib/postgresql/13/bin' },
    { major: '15', version: '15.18', binDir: '/usr/lib/postgresql/15/bin' },
  ],
  instances: [
    { port: 5432, dataDir: '/var/lib/postgresql/15/main', version: '15.18', role: 'primary', layout: 'debian', name: '15/main' },
    { port: 5433, dataDir: '/srv/replica', version: '15.18', role: 'replica', layout: 'plain' },
    { port: 5434, dataDir: '/var/lib/postgresql/13/old', role: 'stopped', layout: 'debian', name: '13/old', version: '13' },
  ],
}

describe('from a detection', () => {
  it('suggests the newest major and offers only running primaries for adopt', () => {
    expect(suggestMajor(detection)).toBe('15')
    expect(suggestMajor(null)).toBe('')
    expect(adoptableInstances(detection).map((i) => i.port)).toEqual([5432])
  })

  it('prefills adopt from the instance, the Debian cluster by its own name', () => {
    expect(prefillFromInstance(detection.instances[0]!, '15')).toEqual({ port: '5432', dataDir: '/var/lib/postgresql/15/main', layout: 'debian', debianName: 'main', major: '15' })
    expect(prefillFromInstance(detection.instances[1]!, '15')).toMatchObject({ layout: 'plain', debianName: 'main' })
    expect(describeInstance(detection.instances[0]!)).toBe('PostgreSQL 15.18 · primary · Debian cluster 15/main')
  })

  it('proposes a port and data dir nothing on the host (or in the cluster there) uses', () => {
    const cluster = { members: [{ host: 'host1', port: 5435, dataDir: '/var/lib/postgresql/15/e2e' }] } as unknown as PgCluster
    expect(freePort(usedPorts('host1', detection, cluster))).toBe(5436)
    expect(freePort(usedPorts('host2', null, cluster))).toBe(5432)
    expect(suggestDataDir('15', 'e2e', usedDataDirs('host1', detection, cluster))).toBe('/var/lib/postgresql/15/e2e-2')
    expect(suggestDataDir('15', 'e2e', usedDataDirs('host2', detection, cluster).filter(() => false))).toBe('/var/lib/postgresql/15/e2e')
  })
})

describe('memberNameFrom', () => {
  it('makes an application_name from a host record name, avoiding names taken', () => {
    expect(memberNameFrom('Host1')).toBe('host1')
    expect(memberNameFrom('db.lan')).toBe('db-lan')
    expect(memberNameFrom('1st')).toBe('st')
    expect(memberNameFrom('host2', ['host2', 'host2-2'])).toBe('host2-3')
    expect(memberNameFrom('42')).toBe('pg')
  })
})
