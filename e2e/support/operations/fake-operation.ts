// A fake "create replica" whose steps make files on a test host through the RemoteRunner:
// prepare (a folder), copy (chunked dd into data.partial, then an atomic rename, with
// progress), configure (a file holding a secret), start (a marker). Every check, run and
// undo is appended to a log file with the pid that ran it, so tests see what happened in
// which process. A step fails while the host has a file named `fail-<stepId>`, its undo
// while there is `fail-undo-<stepId>`.
import { appendFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { AppError } from '../../../shared/errors'
import { secret, type Arg } from '../../../electron/core/ssh/quote'
import { defineOperationKind } from '../../../electron/core/operations/definition'
import type { RemoteRunner, Step, StepCommand } from '../../../electron/core/operations/types'

export const fakeParams = z.object({
  host: z.string(),
  /** The replica folder, relative to the host's folder. */
  dir: z.string(),
  chunks: z.number().int().min(1),
  chunkBytes: z.number().int().min(1),
  delayMs: z.number().int().min(0),
  /** Absolute path of the call log. */
  log: z.string(),
})
export type FakeParams = z.infer<typeof fakeParams>

export const FAKE_SECRET = 'password=hunter2'
export const FAKE_MEMBERS = ['db1', 'db2', 'db3'] as const

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function must(remote: RemoteRunner, host: string, argv: readonly Arg[]): Promise<void> {
  const out = await remote.run(host, argv, { timeoutMs: 10_000 })
  if (out.code !== 0) throw new AppError('command_failed', `${String(argv[0])} failed on ${host}: ${out.stderr.trim() || `exit ${out.code}`}`)
}

async function exists(remote: RemoteRunner, host: string, path: string): Promise<boolean> {
  return (await remote.run(host, ['test', '-e', path])).code === 0
}

function step(p: FakeParams, id: string, title: string, made: string, commands: () => StepCommand[], undoPaths: string[]): Step<FakeParams> {
  const log = (what: string) => appendFileSync(p.log, `${process.pid} ${what}:${id}\n`)
  return {
    id,
    title,
    hosts: [p.host],
    weight: id === 'copy' ? 4 : 1,
    plan: () => commands(),
    async check(ctx) {
      log('check')
      return exists(ctx.remote, p.host, made)
    },
    async run(ctx, report) {
      log('run')
      if (await exists(ctx.remote, p.host, `fail-${id}`)) throw new AppError('command_failed', `${title} failed on ${p.host}: the test asked for it.`, { step: id })
      const cmds = commands()
      for (const [i, c] of cmds.entries()) {
        ctx.signal.throwIfAborted() // the lease is gone: stop between commands
        await must(ctx.remote, c.host, c.argv)
        if (id === 'copy' && i < p.chunks) {
          report({ bytesDone: (i + 1) * p.chunkBytes, bytesTotal: p.chunks * p.chunkBytes, message: `chunk ${i + 1} of ${p.chunks}` })
          await sleep(p.delayMs)
        } else if (i === 0) {
          report({ message: `${title}…` }) // half-way point for during:<step> faults
        }
      }
    },
    async undo(ctx) {
      log('undo')
      if (await exists(ctx.remote, p.host, `fail-undo-${id}`)) throw new AppError('command_failed', `Undoing ${title} failed on ${p.host}: the test asked for it.`)
      await must(ctx.remote, p.host, ['rm', '-rf', '--', ...undoPaths])
    },
  }
}

export const fakeReplica = defineOperationKind({
  kind: 'fake-replica',
  params: fakeParams,
  build: ({ params: p }) => {
    const d = p.dir
    const chunkCommands = (): StepCommand[] =>
      Array.from({ length: p.chunks }, (_, i) => ({
        host: p.host,
        argv: ['dd', 'if=seed.bin', `of=${d}/data.partial`, `bs=${p.chunkBytes}`, `skip=${i}`, `seek=${i}`, 'count=1', 'conv=notrunc', 'status=none'],
      }))
    return {
      title: `Create fake replica ${d} on ${p.host}`,
      summary: () => [`A fake replica is written to ${d} on ${p.host} in ${p.chunks} chunks (a test operation).`],
      steps: [
        step(p, 'prepare', 'Create the replica folder', d, () => [{ host: p.host, argv: ['mkdir', '-p', '--', `${d}.new`] }, { host: p.host, argv: ['mv', '-T', '--', `${d}.new`, d] }], [d, `${d}.new`]),
        step(p, 'copy', 'Copy the data', `${d}/data`, () => [...chunkCommands(), { host: p.host, argv: ['mv', '--', `${d}/data.partial`, `${d}/data`] }], [`${d}/data`, `${d}/data.partial`]),
        step(
          p,
          'configure',
          'Write the connection settings',
          `${d}/conninfo`,
          () => [
            { host: p.host, argv: ['sh', '-c', 'umask 077 && printf "%s\\n" "$1" > "$2.tmp"', 'sh', secret(FAKE_SECRET), `${d}/conninfo`], note: 'the password comes from the passfile' },
            { host: p.host, argv: ['mv', '--', `${d}/conninfo.tmp`, `${d}/conninfo`] },
          ],
          [`${d}/conninfo`, `${d}/conninfo.tmp`],
        ),
        step(p, 'start', 'Start the replica', `${d}/started`, () => [{ host: p.host, argv: ['sh', '-c', 'date > "$1.tmp"', 'sh', `${d}/started`] }, { host: p.host, argv: ['mv', '--', `${d}/started.tmp`, `${d}/started`] }], [`${d}/started`, `${d}/started.tmp`]),
      ],
    }
  },
})

export const fakeKinds = { [fakeReplica.kind]: fakeReplica.factory }

/** The source the copy step reads, on the replica host. */
export async function writeSeed(hostDir: string, p: FakeParams): Promise<Buffer> {
  const data = Buffer.alloc(p.chunks * p.chunkBytes)
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) % 251
  await writeFile(join(hostDir, 'seed.bin'), data)
  return data
}
