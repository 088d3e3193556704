// The one entry point every transport uses: look the method up in the contract, parse its
// input, run the handler, check the output, and turn any failure into error data.
import type { z } from 'zod'
import { findMethod, type Methods } from '../../shared/contract'
import { AppError, toErrorData } from '../../shared/errors'
import { withOrigin } from './activity/origin'
import type { Reply } from '../../shared/wire'

type HandlerOf<S> = S extends { input: infer I extends z.ZodType; output: infer O extends z.ZodType }
  ? (input: z.output<I>) => Promise<z.input<O>>
  : never

export type Handlers = { [N in keyof Methods]: { [V in keyof Methods[N]]: HandlerOf<Methods[N][V]> } }

export type Dispatch = (method: string, input: unknown) => Promise<Reply>

export function createDispatch(handlers: Handlers): Dispatch {
  return async (method, rawInput) => {
    try {
      const entry = findMethod(method)
      if (!entry) throw new AppError('unknown_method', `ReplicaDesk has no method "${String(method).slice(0, 100)}".`)
      const input = entry.spec.input.safeParse(rawInput ?? {})
      if (!input.success) {
        const issues = input.error.issues.map((i) => ({ path: i.path.map(String), message: i.message }))
        const first = issues[0]
        const where = first && first.path.length ? `${first.path.join('.')}: ` : ''
        throw new AppError('invalid_input', `Invalid input for ${method}: ${where}${first?.message ?? 'invalid'}`, issues)
      }
      const nouns = handlers as unknown as Record<string, Record<string, (i: unknown) => Promise<unknown>>>
      const handler = nouns[entry.noun]?.[entry.verb]
      if (!handler) throw new AppError('internal', `No handler for ${method}`)
      // What a front end asked for is the user's; the status collector, operations and host
      // tests it starts say their own origin inside.
      const value = entry.spec.output.parse(await withOrigin('user', () => handler(input.data)))
      return { ok: true, value }
    } catch (err) {
      return { ok: false, error: toErrorData(err) }
    }
  }
}
