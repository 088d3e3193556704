import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { recordDemoProcesses, stopLeftoverDemo } from './leftovers'

const saved = process.env.REPLICADESK_LAB_STATE
process.env.REPLICADESK_LAB_STATE = join(mkdtempSync(join(tmpdir(), 'rd-demo-left-')), 'demo.json')
afterAll(() => {
  if (saved === undefined) delete process.env.REPLICADESK_LAB_STATE
  else process.env.REPLICADESK_LAB_STATE = saved
})

/** Running, not a zombie (a zombie keeps its /proc entry until its parent reaps it). */
const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))

describe('a demo killed with kill -9', () => {
  it('is stopped by the next start, which names what it stopped; a reused pid of another program is left alone', async () => {
    // $0 carries the name, as the demo's own processes carry "replicadesk" or e2e/demo/cli.
    const ours = spawn('sh', ['-c', 'sleep 600', 'replicadesk-demo-leftover'], { stdio: 'ignore' })
    const other = spawn('sleep', ['600'], { stdio: 'ignore' })
    try {
      recordDemoProcesses([ours.pid!, other.pid!])
      const stopped = await stopLeftoverDemo()
      expect(stopped).toEqual([expect.stringContaining(`pid ${ours.pid}`)])
      expect(alive(other.pid!)).toBe(true)
      expect(await stopLeftoverDemo()).toEqual([]) // the record is gone with them
    } finally {
      ours.kill('SIGKILL')
      other.kill('SIGKILL')
    }
  })
})
