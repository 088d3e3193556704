// `npm run serve` / `replicadesk serve`: headless web mode from the command line.
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createCore } from '../core/core'
import { resolveDataDir } from '../core/store/data-dir'
import { readInstanceFile, removeInstanceFile, writeInstanceFile } from './instance-file'
import { startServer } from './server'

const usage = `Usage: replicadesk-serve [--host 127.0.0.1] [--port 7420] [--data-dir DIR] [--allow-remote]
Serves the ReplicaDesk UI and API for a browser. Binding to a non-loopback address needs --allow-remote.`

export async function main(argv: string[]): Promise<number> {
  let values
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '7420' },
        'data-dir': { type: 'string' },
        'allow-remote': { type: 'boolean', default: false },
        'renderer-dir': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }))
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`)
    return 2
  }
  if (values.help) {
    console.log(usage)
    return 0
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a number from 0 to 65535.\n${usage}`)
    return 2
  }
  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(values.host)
  if (!loopback && !values['allow-remote']) {
    console.error(`Refusing to listen on ${values.host}: anyone on that network could reach it. Add --allow-remote if you mean it.`)
    return 2
  }
  const here = dirname(fileURLToPath(import.meta.url))
  const rendererDir = resolve(values['renderer-dir'] ?? join(here, '..', 'renderer'))
  const dataDir = resolveDataDir({ flag: values['data-dir'] })
  const other = await readInstanceFile(dataDir)
  if (other) {
    console.error(`Another ReplicaDesk (${other.kind}, pid ${other.pid}) already drives ${dataDir}. Stop it, or use another --data-dir.`)
    return 1
  }
  const core = await createCore({ dataDir, live: true })
  const server = await startServer({ core, host: values.host, port, rendererDir })
  await writeInstanceFile(dataDir, {
    pid: process.pid,
    // A wildcard bind is reached locally over loopback.
    wsUrl: ['0.0.0.0', '::'].includes(values.host) ? `ws://127.0.0.1:${server.port}/ws` : server.wsUrl,
    token: server.token,
    kind: 'headless',
    startedAt: new Date().toISOString(),
  })
  if (!loopback) console.warn(`WARNING: listening on ${values.host}; anyone who can reach it and has the token controls your servers.`)
  console.log(`ReplicaDesk headless: ${server.url}?token=${server.token}`)
  console.log(`Data dir: ${dataDir}. Press Ctrl-C to stop.`)

  await new Promise<void>((done) => {
    const stop = () => done()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await removeInstanceFile(dataDir)
  await server.close()
  await core.close()
  return 0
}
