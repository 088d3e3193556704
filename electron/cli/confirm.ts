// Role changes (switchover, failover, rejoin, fence) run only after the user saw the plan:
// on a terminal the CLI shows it and asks; elsewhere it needs --yes (or --dry-run to look).
import { operationStartResult } from '../../shared/operations'
import type { Reply } from '../../shared/wire'
import { formatPlan } from './operation-output'

export interface Asker {
  isInteractive: boolean
  /** Shows the question and reads one visible line; undefined on Ctrl-C / Ctrl-D. */
  ask(question: string): Promise<string | undefined>
}

export const processAsker: Asker = {
  isInteractive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
  async ask(question) {
    const { createInterface } = await import('node:readline/promises')
    const rl = createInterface({ input: process.stdin, output: process.stderr })
    try {
      return await rl.question(question)
    } catch {
      return undefined
    } finally {
      rl.close()
    }
  },
}

/**
 * After the core answered `confirmation_required`: the plan (a dry run: its summary first, the
 * commands only with --verbose), the question, and on "yes" the call again with yes: true.
 * Returns undefined when the user declined.
 */
export async function confirmAndCall(call: (input: unknown) => Promise<Reply>, input: Record<string, unknown>, asker: Asker, show: (text: string) => void, verbose = false): Promise<Reply | undefined> {
  const dry = await call({ ...input, dryRun: true })
  if (!dry.ok) return dry
  const parsed = operationStartResult.safeParse(dry.value)
  if (parsed.success && parsed.data.dryRun) show(formatPlan(parsed.data.plan, { verbose }))
  const answer = (await asker.ask('Proceed? Type "yes" to run it: '))?.trim().toLowerCase()
  if (answer !== 'yes' && answer !== 'y') return undefined
  return call({ ...input, yes: true })
}
