import { describe, expect, it } from 'vitest'
import { commandLine, connectionLabel, formatDuration, originLabel, outcomeOf, sudoPrefix } from './format'

describe('commandLine', () => {
  it('quotes only what needs quoting', () => {
    expect(commandLine(['cat', '/etc/os-release'])).toBe('cat /etc/os-release')
    expect(commandLine(['sh', '-c', 'echo $HOME; exit 0'])).toBe("sh -c 'echo $HOME; exit 0'")
    expect(commandLine(['echo', "it's", ''])).toBe("echo 'it'\\''s' ''")
    expect(commandLine(['env', 'PGPASSWORD=***', 'psql'])).toBe("env 'PGPASSWORD=***' psql")
  })
})

describe('sudoPrefix', () => {
  it('shows how the command was elevated', () => {
    expect(sudoPrefix(undefined)).toBe('')
    expect(sudoPrefix(false)).toBe('')
    expect(sudoPrefix(true)).toBe('sudo -n')
    expect(sudoPrefix('postgres')).toBe('sudo -n -u postgres')
  })
})

describe('formatDuration', () => {
  it('reads well at every scale', () => {
    expect(formatDuration(0.84)).toBe('0.8 ms')
    expect(formatDuration(5)).toBe('5 ms')
    expect(formatDuration(12.4)).toBe('12 ms')
    expect(formatDuration(1534)).toBe('1.53 s')
    expect(formatDuration(12_340)).toBe('12.3 s')
    expect(formatDuration(125_000)).toBe('2 min 05 s')
    expect(formatDuration(-1)).toBe('–')
  })
})

describe('outcomeOf', () => {
  it('is the exit code, or the error code when the command did not finish normally', () => {
    expect(outcomeOf({ exitCode: 0 })).toEqual({ label: 'exit 0', tone: 'ok' })
    expect(outcomeOf({ exitCode: 2 })).toEqual({ label: 'exit 2', tone: 'bad' })
    expect(outcomeOf({ exitCode: null, errorCode: 'ssh_timeout' })).toEqual({ label: 'ssh_timeout', tone: 'bad' })
    expect(outcomeOf({ exitCode: 1, errorCode: 'command_failed' })).toEqual({ label: 'command_failed (exit 1)', tone: 'bad' })
    expect(outcomeOf({ exitCode: null })).toEqual({ label: 'no exit status', tone: 'bad' })
  })
})

describe('connectionLabel', () => {
  it('matches the core: the port only when it is not 22', () => {
    expect(connectionLabel({ user: 'pg', address: '10.0.0.1', port: 22 })).toBe('pg@10.0.0.1')
    expect(connectionLabel({ user: 'pg', address: '10.0.0.1', port: 2222 })).toBe('pg@10.0.0.1:2222')
  })
})

describe('originLabel', () => {
  it('names who made the command run; nothing for entries that do not say', () => {
    expect([originLabel('status'), originLabel('operation'), originLabel('host-test'), originLabel('user'), originLabel(undefined)]).toEqual(['status poll', 'operation', 'host test', 'on request', null])
  })
})
