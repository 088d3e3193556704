// The CLI's way to a running instance: the same WebSocket contract the browser uses, with
// the token from the instance file as a Bearer header.
import WebSocket from 'ws'
import { AppError } from '../../shared/errors'
import { wsServerFrame, type Reply } from '../../shared/wire'
import type { InstanceInfo } from '../server/instanceFile'

export async function callInstance(instance: InstanceInfo, method: string, input: unknown, timeoutMs = 30_000): Promise<Reply> {
  const ws = new WebSocket(instance.wsUrl, { headers: { Authorization: `Bearer ${instance.token}` } })
  try {
    return await new Promise<Reply>((resolve, reject) => {
      const fail = (why: string) =>
        reject(new AppError('transport', `The running ReplicaDesk (pid ${instance.pid}) at ${instance.wsUrl} did not answer: ${why}. Stop it or try again.`))
      const timer = setTimeout(() => fail(`no reply within ${timeoutMs / 1000} s`), timeoutMs)
      ws.on('error', (err) => fail(err.message))
      ws.on('close', () => fail('the connection closed'))
      ws.on('open', () => ws.send(JSON.stringify({ id: 1, method, input })))
      ws.on('message', (data) => {
        const frame = wsServerFrame.safeParse(JSON.parse(data.toString()))
        if (frame.success && 'id' in frame.data && frame.data.id === 1) {
          clearTimeout(timer)
          resolve(frame.data.reply)
        }
      })
    })
  } finally {
    ws.removeAllListeners('close')
    ws.terminate()
  }
}
