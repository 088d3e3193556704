// A question for a secret (SSH password or key passphrase) that the core asks the user, and
// the answer. The secret itself only ever travels in `secret.answer`, never in an event.
import { z } from 'zod'

export const secretRequestView = z.object({
  id: z.string(),
  kind: z.enum(['passphrase', 'password']),
  host: z.string(),
  port: z.number(),
  user: z.string(),
  keyFile: z.string().optional(),
  /** The previous answer was wrong. */
  retry: z.boolean(),
  message: z.string(),
  /** An OS keychain can keep it (desktop app); otherwise why not. */
  canRemember: z.boolean(),
  rememberUnavailable: z.string().optional(),
})
export type SecretRequestView = z.infer<typeof secretRequestView>

export const secretAnswer = z.object({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,99}$/, 'Not a question id'),
  /** null: the user cancelled. */
  value: z.string().max(4096).nullable(),
  remember: z.boolean().default(false),
})
