// The newcomer's demo, exercised as `npm start` runs it: it must leave a cluster with a primary
// and a streaming replica that ReplicaDesk itself reports, and remove its lab when npm start
// goes away (here: its IPC channel closes, as when npm start is killed).
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, describe, expect, it } from 'vitest'
import { labRoot, readLab } from '../lab'
import { run } from '../lab/run'
import { tearDownDemo } from './demo'

const root = join(import.meta.dirname, '..', '..')

describe('the demo cluster (npm start)', () => {
  const stateFile = join(labRoot(), `demo-test-${process.pid}.json`)
  afterAll(async () => {
    const saved = process.env.REPLICADESK_LAB_STATE
    process.env.REPLICADESK_LAB_STATE = stateFile
    await tearDownDemo()
    process.env.REPLICADESK_LAB_STATE = saved
  })

  it('brings up 3 hosts and a cluster with a primary and a streaming replica, and removes the lab when npm start dies', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'rd-demo-')), 'status.json')
    // The "ReplicaDesk" the demo starts: asks for the status with the demo's --data-dir, then waits.
    const program = ['sh', '-c', `node ${join(root, 'bin', 'replicadesk.mjs')} status demo --json "$@" > ${out}; sleep 600`, 'sh']
    const demo = spawn(process.execPath, ['--import', 'tsx', join(root, 'e2e', 'demo', 'cli.ts'), 'start', ...program], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, REPLICADESK_LAB_STATE: stateFile },
    })
    const log: string[] = []
    createInterface({ input: demo.stderr! }).on('line', (l) => log.push(l))
    const exited = new Promise<number | null>((resolve) => demo.on('exit', (code) => resolve(code)))
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the demo did not come up in 150 s:\n${log.join('\n')}`)), 150_000)
      createInterface({ input: demo.stdout! }).on('line', (l) => {
        log.push(l)
        if (!l.includes('Cluster "demo" is up')) return
        clearTimeout(timer)
        resolve()
      })
      demo.on('exit', (code) => reject(new Error(`the demo exited (${code}):\n${log.join('\n')}`)))
    })
    const prefix = (() => {
      const saved = process.env.REPLICADESK_LAB_STATE
      process.env.REPLICADESK_LAB_STATE = stateFile
      try {
        return readLab().prefix
      } finally {
        process.env.REPLICADESK_LAB_STATE = saved
      }
    })()
    for (let i = 0; i < 200 && !(existsSync(out) && readFileSync(out, 'utf8').trim()); i++) await new Promise((r) => setTimeout(r, 100))
    const status = JSON.parse(readFileSync(out, 'utf8'))
    expect(status.primary).toBe('pg1')
    expect(status.members).toMatchObject([
      { name: 'pg1', role: 'primary', state: 'up' },
      { name: 'pg2', role: 'standby', state: 'up', senderState: 'streaming' },
    ])

    demo.disconnect() // npm start went away
    expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 30_000))])).not.toBe('still running')
    expect(log.join('\n')).toContain('Removing the demo lab')
    const { stdout } = await run('ip', ['netns', 'list'])
    expect(stdout).not.toContain(prefix)
    expect(existsSync(stateFile)).toBe(false)
  }, 240_000)
})
