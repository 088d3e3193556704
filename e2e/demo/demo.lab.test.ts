// The newcomer's demo, exercised: it must leave a cluster with a primary and a streaming
// replica that ReplicaDesk itself reports, and clean up after itself.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { labRoot } from '../lab'
import { runCli } from '../../electron/cli/main'
import { setUpDemo, tearDownDemo } from './demo'

describe('the demo cluster (npm start)', () => {
  // Its own lab, beside the test lab, with its own state file.
  const saved = process.env.REPLICADESK_LAB_STATE
  afterAll(async () => {
    await tearDownDemo()
    process.env.REPLICADESK_LAB_STATE = saved
  })

  it('brings up 3 hosts and a cluster with a primary and a streaming replica', async () => {
    process.env.REPLICADESK_LAB_STATE = join(labRoot(), `demo-test-${process.pid}.json`)
    const dataDir = join(mkdtempSync(join(tmpdir(), 'rd-demo-')), 'data')
    const demo = await setUpDemo({ dataDir })
    expect(demo.lab.hosts).toHaveLength(3)
    const out: string[] = []
    expect(await runCli(['status', 'demo', '--json', '--data-dir', dataDir], { out: (t) => out.push(t), err: () => {} })).toBe(0)
    const status = JSON.parse(out.join(''))
    expect(status.primary).toBe('pg1')
    expect(status.members).toMatchObject([
      { name: 'pg1', role: 'primary', state: 'up' },
      { name: 'pg2', role: 'standby', state: 'up', senderState: 'streaming' },
    ])
  }, 180_000)
})
