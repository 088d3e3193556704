import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HostsStore } from './hosts-store'
import { checkJumps, jumpProblems } from './jumps'

const host = (name: string, jump?: string) => ({ name, address: `${name}.lan`, user: 'pi', ...(jump && { jump }) })

describe('jump hosts are checked when saved', () => {
  it('finds self-jumps, loops and missing jump records', () => {
    expect(jumpProblems([{ name: 'a', jump: 'a' }])).toEqual([expect.stringContaining('"a" cannot jump through itself')])
    expect(jumpProblems([{ name: 'a', jump: 'b' }, { name: 'b', jump: 'a' }])[0]).toContain('a → b → a')
    expect(jumpProblems([{ name: 'a', jump: 'ghost' }])[0]).toContain('"a" jumps through "ghost", which is not a host record')
    expect(jumpProblems([{ name: 'a', jump: 'b' }, { name: 'b', jump: 'c' }, { name: 'c' }])).toEqual([])
  })

  it('a bad jump saved by an older version does not block unrelated changes; fixing it is allowed', () => {
    const old = [{ name: 'a', jump: 'a' }]
    expect(() => checkJumps(old, [...old, { name: 'b' }])).not.toThrow()
    expect(() => checkJumps(old, [{ name: 'a' }])).not.toThrow()
    expect(() => checkJumps(old, [...old, { name: 'b', jump: 'b' }])).toThrow(/"b" cannot jump through itself/)
  })

  it('refuses each at save time, and the removal of a host others jump through', async () => {
    const store = new HostsStore(await mkdtemp(join(tmpdir(), 'rd-jumps-')))
    await expect(store.add(host('a', 'ghost'))).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('not a host record') })
    await expect(store.add(host('a', 'a'))).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('itself') })
    await store.add(host('bastion'))
    await store.add(host('a', 'bastion'))
    await expect(store.edit({ name: 'bastion', jump: 'a' })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('loop') })
    await expect(store.remove('bastion')).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('a jumps through "bastion"') })
    await expect(store.edit({ name: 'bastion', newName: 'gateway' })).rejects.toMatchObject({ code: 'invalid_input' })
    await store.edit({ name: 'a', jump: null })
    await store.remove('bastion')
    expect((await store.list()).map((h) => h.name)).toEqual(['a'])
  })
})
