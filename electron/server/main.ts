// `npm run serve` / `replicadesk serve`: headless web mode from the command line.
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createCore } from '../core/core'
import { resolveDataDir } from '../core/store/data-dir'
import { readInstanceFile, removeInstanceFile, writeInstanceFile } from './instance-file'
import { reachableAddresses, tlsFor, urlHost } from './lan'
import { startServer } from './server'
import { sessionPathOf } from './session-path-file'

const usage = `Usage: replicadesk-serve [--host 127.0.0.1] [--port 7420] [--data-dir DIR] [--allow-remote [--tls-cert FILE --tls-key FILE | --no-tls]]
Serves the ReplicaDesk UI and API for a browser. Binding to a non-loopback address needs --allow-remote;
it is served over HTTPS with a self-signed certificate (compare its printed fingerprint with what the
browser shows), or your own with --tls-cert/--tls-key.`

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
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'no-tls': { type: 'boolean', default: false },
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
  const addresses = reachableAddresses(values.host)
  let tls
  try {
    tls = await tlsFor({ noTls: values['no-tls'], certFile: values['tls-cert'], keyFile: values['tls-key'] }, loopback, dataDir, addresses)
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`)
    return 2
  }
  const core = await createCore({ dataDir, live: true })
  const sessionPath = await sessionPathOf(dataDir)
  const server = await startServer({ core, host: values.host, port, rendererDir, sessionPath, tls })
  // The CLI on this machine talks to a plain loopback channel of its own (as with the desktop
  // app): a TLS or wildcard bind is not what it should have to reach.
  const channel = loopback && !tls ? server : await startServer({ core, host: '127.0.0.1', port: 0, token: server.token, sessionPath })
  await writeInstanceFile(dataDir, {
    pid: process.pid,
    wsUrl: channel.wsUrl,
    token: server.token,
    kind: 'headless',
    startedAt: new Date().toISOString(),
  })
  if (!loopback) console.warn(`WARNING: listening on ${values.host}; anyone who can reach it and has the token controls your servers.`)
  if (!loopback && !tls) console.warn('WARNING: --no-tls: the token and everything you do cross the network in clear text.')
  if (tls) console.log(`TLS certificate SHA-256 fingerprint (${tls.selfSigned ? 'self-signed, kept in the data dir' : 'yours'}): ${tls.fingerprint}`)
  const scheme = tls ? 'https' : 'http'
  for (const address of addresses) console.log(`ReplicaDesk headless: ${scheme}://${urlHost(address)}:${server.port}/?token=${server.token}`)
  console.log(`Data dir: ${dataDir}. Press Ctrl-C to stop.`)

  await new Promise<void>((done) => {
    const stop = () => done()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await removeInstanceFile(dataDir)
  if (channel !== server) await channel.close()
  await server.close()
  await core.close()
  return 0
}
