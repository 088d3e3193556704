// What travels between a front end and the core, whatever the transport.
import { z } from 'zod'
import { errorDataSchema, type ErrorData } from './errors'

export type Reply<T = unknown> = { ok: true; value: T } | { ok: false; error: ErrorData }

export const replySchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: errorDataSchema }),
])

/** WebSocket frames (headless mode and the CLI's local channel). */
export const wsRequest = z.object({ id: z.number().int(), method: z.string().max(200), input: z.unknown() })
export type WsRequest = z.infer<typeof wsRequest>

export const wsServerFrame = z.union([
  z.object({ id: z.number().int(), reply: replySchema }),
  z.object({ event: z.string(), payload: z.unknown() }),
])
export type WsServerFrame = z.infer<typeof wsServerFrame>
