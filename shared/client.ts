// A typed client derived from the contract: `client.host.add({...})` compiles only with the
// right method name and input. Replies are schema-checked here, at the caller's boundary.
import type { z } from 'zod'
import { contract, isEventName, methodEntries, type EventName, type EventPayload, type Methods } from './contract'
import { AppError } from './errors'
import { replySchema, type Reply } from './wire'

/** How a client reaches the core: IPC through the preload, or a WebSocket. */
export interface Transport {
  call(method: string, input: unknown): Promise<Reply>
  onEvent(listener: (name: string, payload: unknown) => void): () => void
}

type MethodFn<S> = S extends { input: infer I extends z.ZodType; output: infer O extends z.ZodType }
  ? (...args: Record<string, never> extends z.input<I> ? [input?: z.input<I>] : [input: z.input<I>]) => Promise<z.output<O>>
  : never

export type ContractClient = {
  [N in keyof Methods]: { [V in keyof Methods[N]]: MethodFn<Methods[N][V]> }
} & {
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void
}

export function createClient(transport: Transport): ContractClient {
  const client: Record<string, unknown> = {}
  for (const entry of methodEntries) {
    const noun = (client[entry.noun] ??= {}) as Record<string, unknown>
    noun[entry.verb] = async (input: unknown = {}) => {
      const reply = replySchema.parse(await transport.call(entry.id, input))
      if (!reply.ok) throw AppError.fromData(reply.error)
      const parsed = entry.spec.output.safeParse(reply.value)
      if (!parsed.success) {
        throw new AppError('internal', `The core sent an unexpected reply to ${entry.id}`, parsed.error.issues)
      }
      return parsed.data
    }
  }
  client.on = (name: EventName, listener: (payload: unknown) => void) =>
    transport.onEvent((eventName, payload) => {
      if (eventName !== name || !isEventName(eventName)) return
      const parsed = contract.events[name].safeParse(payload)
      if (parsed.success) listener(parsed.data)
    })
  return client as ContractClient
}
