import { describe, expect, it } from 'vitest'
import { fromError } from '../status/reasons'
import type { Session } from './session'
import { ForwardingSeen, forwardingLogin, refusalError } from './stream-local'

const session = { target: { label: 'rdadmin@10.0.0.2', address: '10.0.0.2', port: 22, user: 'rdadmin' } } as unknown as Session
const sock = '/run/postgresql/.s.PGSQL.5432'

describe('a refused stream to a socket that exists', () => {
  it('blames sshd only while forwarding never worked for this login', () => {
    const never = refusalError(session, sock, 'socket', 'open failed')
    expect(never.message).toContain('AllowStreamLocalForwarding')
    expect(fromError({ name: 'db1', host: 'host2' }, never).code).toBe('forwarding_refused')

    const before = refusalError(session, sock, 'socket', 'open failed', true)
    expect(before.message).not.toContain('AllowStreamLocalForwarding')
    expect(before.message).toContain('refused the connection')
    expect(before.detail).toMatchObject({ reason: 'socket_refused', check: 'socket' })
    expect(fromError({ name: 'db1', host: 'host2' }, before)).toMatchObject({ code: 'connection_lost', reason: expect.stringContaining('db1 on host2: ') })
    // a socket nothing listens on is "not running" either way
    expect(fromError({ name: 'db1', host: 'host2' }, refusalError(session, sock, 'stale', 'open failed', true)).code).toBe('not_running')
  })

  it('remembers the logins sshd forwarded for, the oldest forgotten past the bound', () => {
    const seen = new ForwardingSeen(2)
    const login = forwardingLogin(session)
    expect(login).toBe('rdadmin@10.0.0.2|')
    seen.add(login)
    seen.add('b')
    seen.add(login) // used again: the newest
    seen.add('c')
    expect([seen.has(login), seen.has('b'), seen.has('c')]).toEqual([true, false, true])
  })
})
