import { describe, expect, it } from 'vitest'
import { mariaDataDir, mariaPort, nextMariaMember } from './mariadbPlacement'

const member = (name: string, host: string, port = 3306) => ({ name, host, port })

describe('MariaDB placement suggestions', () => {
  it('a datadir per member for the plain layout, /var/lib/mysql for Debian', () => {
    expect(mariaDataDir('plain', 'db2')).toBe('/srv/mariadb/db2')
    expect(mariaDataDir('plain', ' ')).toBe('/srv/mariadb/db1')
    expect(mariaDataDir('debian', 'db2')).toBe('/var/lib/mysql')
  })

  it('3306, or the next port no member uses on that host', () => {
    expect(mariaPort('host2')).toBe('3306')
    expect(mariaPort('host1', { members: [member('db1', 'host1'), member('db9', 'host1', 3307)] } as never)).toBe('3308')
    expect(mariaPort('host2', { members: [member('db1', 'host1')] } as never)).toBe('3306')
  })

  it('names the next member in the cluster pattern', () => {
    expect(nextMariaMember({ members: [member('db1', 'h')] } as never)).toBe('db2')
    expect(nextMariaMember({ members: [member('db1', 'h'), member('db2', 'h')] } as never)).toBe('db3')
    expect(nextMariaMember({ members: [member('main', 'h')] } as never)).toBe('main1')
  })
})
