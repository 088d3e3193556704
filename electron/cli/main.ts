// `replicadesk`: the command-line front end. It asks a running instance of the same data dir
// when there is one (warm connections, a single writer), else runs the core in-process.
import { HEALTH_EXIT, healthVerdict } from '../../shared/health'
import type { MethodEntry } from '../../shared/contract'
import { toErrorData, type ErrorData } from '../../shared/errors'
import { operationStartResult, operationSummary } from '../../shared/operations'
import type { Reply } from '../../shared/wire'
import { escapeControls } from '../../shared/terminal-text'
import { resolveDataDir } from '../core/store/data-dir'
import { findCommand, helpText, parseInput, usageOf, UsageError } from './commands'
import { formatHuman, terminalWidth } from './format'
import { formatFor } from './human'
import { invokedAs, pasteable } from './invocation'
import { followOperations, formatPlan, isStartedOperation, type ProgressOutput } from './operation-output'
import { asClusterStatus, formatStatus, SPLIT_BRAIN_EXIT, splitBrainBanner } from './status-output'
import { answerSecrets, processTerminal, type Terminal } from './secret-prompt'
import { confirmAndCall, processAsker, type Asker } from './confirm'
import { openSession } from './session'
import { watchStatus } from './watch-status'

export interface CliIo {
  out(text: string): void
  err(text: string): void
  env?: NodeJS.ProcessEnv
  /** Where SSH passwords and passphrases are asked; default: this process's terminal. */
  terminal?: Terminal
  /** Where operation progress goes; default: stderr (a bar on a terminal). */
  progress?: ProgressOutput
  /** Ends `status --watch`; default: Ctrl-C. */
  stop?: AbortSignal
  /** Where a role change asks for confirmation; default: this process's terminal. */
  asker?: Asker
  /** How the user started the CLI, for hints to paste (default: found from the environment). */
  invokedAs?: string
}

/** Exit code of a first contact: a host key the user must compare and confirm (not a failure). */
export const CONFIRM_HOST_KEY_EXIT = 3

interface GlobalOptions {
  json: boolean
  watch: boolean
  /** Plans with every step's exact commands. */
  verbose: boolean
  dataDir?: string
  words: string[]
}

function takeGlobals(argv: string[]): GlobalOptions {
  const words: string[] = []
  let json = false
  let watch = false
  let verbose = false
  let dataDir: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--json') json = true
    else if (a === '--watch') watch = true
    else if (a === '--verbose') verbose = true
    else if (a === '--data-dir') {
      dataDir = argv[++i]
      if (!dataDir) throw new UsageError('--data-dir needs a value.')
    } else if (a.startsWith('--data-dir=')) dataDir = a.slice('--data-dir='.length)
    else words.push(a)
  }
  return { json, watch, verbose, dataDir, words }
}

async function run(method: string, input: unknown, dataDir: string, io: CliIo, verbose = false): Promise<Reply> {
  const session = await openSession(dataDir)
  const stopAnswering = answerSecrets(session, io.terminal ?? processTerminal)
  const operations = followOperations(session, io.progress ?? stderrProgress)
  try {
    let reply = await session.call(method, input)
    if (!reply.ok && reply.error.code === 'confirmation_required' && (io.asker ?? processAsker).isInteractive) {
      const confirmed = await confirmAndCall((i) => session.call(method, i), input as Record<string, unknown>, io.asker ?? processAsker, io.err, verbose)
      if (!confirmed) return { ok: false, error: { code: 'confirmation_required', message: 'Not confirmed: nothing was changed.' } }
      reply = confirmed
    }
    const started = reply.ok ? isStartedOperation(reply.value) : undefined
    if (!started) return reply
    // A started operation runs on in the core: follow it to its end, which decides the exit code.
    const done = await operations.wait(started)
    // An abandon has done its job when everything was undone.
    if (done.status === (started.status === 'abandoning' ? 'abandoned' : 'succeeded')) return { ok: true, value: done }
    const why = done.error ?? { code: 'command_failed' as const, message: `Operation ${done.id} ended ${done.status}.` }
    const next = `Fix the cause, then \`replicadesk operation resume ${done.id}\`; or undo what it made with \`replicadesk operation abandon ${done.id}\`.`
    return { ok: false, error: { ...why, message: `${why.message}\n${next}` } }
  } finally {
    operations.stop()
    stopAnswering()
    await session.close()
  }
}

function ctrlC(): AbortSignal {
  const controller = new AbortController()
  process.once('SIGINT', () => controller.abort())
  return controller.signal
}

const stderrProgress: ProgressOutput = { isTerminal: Boolean(process.stderr.isTTY), write: (t) => void process.stderr.write(t) }

/**
 * Runs one CLI invocation; returns the exit code (0 ok, 1 failed, 2 usage). Everything printed
 * may carry text from a server: control characters are shown, never sent to the terminal raw.
 */
export async function runCli(argv: string[], rawIo: CliIo): Promise<number> {
  const io: CliIo = { ...rawIo, out: (t) => rawIo.out(escapeControls(t)), err: (t) => rawIo.err(escapeControls(t)) }
  let globals: GlobalOptions
  try {
    globals = takeGlobals(argv)
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${helpText()}`)
    return 2
  }
  const { words, json } = globals
  if (words.length === 0 || words[0] === 'help' || words.includes('--help') || words.includes('-h')) {
    const found = findCommand(words.filter((w) => w !== '--help' && w !== '-h' && w !== 'help'))
    io.out(found ? `${usageOf(found.entry)}\n  ${found.entry.spec.summary}` : helpText())
    return words.length === 0 ? 2 : 0
  }
  const found = findCommand(words)
  if (!found) {
    io.err(`Unknown command "${words.join(' ')}".\n\n${helpText()}`)
    return 2
  }
  let input: Record<string, unknown>
  try {
    input = parseInput(found.entry, found.rest)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    io.err(`${err.message}\nUsage: ${usageOf(found.entry)}`)
    return 2
  }

  if (globals.watch) {
    if (found.entry.id !== 'status.get') {
      io.err(`--watch goes with \`replicadesk status CLUSTER\`.`)
      return 2
    }
    let session: Awaited<ReturnType<typeof openSession>>
    try {
      session = await openSession(resolveDataDir({ flag: globals.dataDir, env: io.env }), { live: true })
    } catch (err) {
      return reportError(toErrorData(err), found.entry, input, { json, dataDir: globals.dataDir }, io) // e.g. a damaged store file
    }
    const clear = process.stdout.isTTY ? '\u001b[2J\u001b[H' : ''
    try {
      return await watchStatus(session, String(input.cluster), (t) => rawIo.out(`${clear}${escapeControls(t)}`), io.stop ?? ctrlC())
    } finally {
      await session.close()
    }
  }

  let reply: Reply
  try {
    reply = await run(found.entry.id, input, resolveDataDir({ flag: globals.dataDir, env: io.env }), io, globals.verbose)
  } catch (err) {
    reply = { ok: false, error: toErrorData(err) }
  }
  if (reply.ok) {
    io.out(json ? JSON.stringify(reply.value, null, 2) : humanOutput(reply.value, found.entry.id, terminalWidth(io.env), globals.verbose, (words) => pasteable(io.invokedAs ?? invokedAs(io.env), words, globals.dataDir)))
    const status = asClusterStatus(reply.value)
    const alarm = status && splitBrainBanner(status)
    if (alarm) {
      io.err(alarm)
      return SPLIT_BRAIN_EXIT
    }
    // Cron and monitoring read the verdict from the exit code.
    const health = found.entry.id === 'health.get' ? healthVerdict.safeParse(reply.value) : undefined
    if (health?.success) return HEALTH_EXIT[health.data.state]
    return 0
  }
  return reportError(reply.error, found.entry, input, { json, dataDir: globals.dataDir }, io)
}

function humanOutput(value: unknown, method: string, width: number, verbose: boolean, hint: (words: string[]) => string): string {
  const dry = operationStartResult.safeParse(value)
  if (dry.success && dry.data.dryRun) return formatPlan(dry.data.plan, { dryRun: true, verbose })
  const status = asClusterStatus(value)
  if (status) return formatStatus(status, width)
  const op = operationSummary.safeParse(value)
  if (op.success) return `${op.data.title}: ${op.data.status} (operation ${op.data.id})`
  return formatFor(method, value, width, hint) ?? formatHuman(value, width)
}

function reportError(error: ErrorData, entry: MethodEntry, input: Record<string, unknown>, opts: { json: boolean; dataDir?: string }, io: CliIo): number {
  const hint = (words: string[]) => pasteable(io.invokedAs ?? invokedAs(io.env), words, opts.dataDir)
  const fingerprint = (error.detail as { fingerprint?: unknown } | undefined)?.fingerprint
  const name = typeof input.name === 'string' ? input.name : undefined
  if (error.code === 'ssh_host_key_unknown' && typeof fingerprint === 'string' && name) {
    // First contact is a question, not a failure: what to compare, and the answer to paste.
    if (opts.json) io.out(JSON.stringify({ error }, null, 2))
    else io.err(`${error.message}\nIf the fingerprint is right, trust it with:\n  ${hint(['host', 'trust', name, fingerprint])}`)
    return CONFIRM_HOST_KEY_EXIT
  }
  if (opts.json) io.out(JSON.stringify({ error }, null, 2))
  else io.err(`Error: ${error.message}`)
  if (!opts.json && error.code === 'ssh_host_key_changed' && typeof fingerprint === 'string' && name) {
    io.err(`The command to confirm the new key, once you are sure:\n  ${hint(['host', 'trust', name, fingerprint])}`)
  }
  if (error.code !== 'invalid_input') return 1
  if (!opts.json) io.err(`Usage: ${usageOf(entry)}`)
  return 2
}
