// Asks the user for an SSH password or key passphrase when the SSH layer needs one: a
// remembered answer first, else a `secretRequested` event that whichever front end the user
// is at (window, browser, CLI on a terminal) answers with `secret.answer`.
import { randomUUID } from 'node:crypto'
import { AppError } from '../../../shared/errors'
import type { SecretRequestView } from '../../../shared/secrets'
import type { SecretPrompt, SecretRequest } from '../ssh'
import type { RememberedSecrets } from './remembered-secrets'

interface Pending {
  view: SecretRequestView
  key: string
  resolve(value: string | undefined): void
  timer: NodeJS.Timeout
}

export interface SecretBroker {
  prompt: SecretPrompt
  answer(id: string, value: string | null, remember: boolean): Promise<void>
  pending(): SecretRequestView[]
}

const keyOf = (r: SecretRequest) => `${r.kind}:${r.user}@${r.host}:${r.port}${r.keyFile ? `:${r.keyFile}` : ''}`

export function createSecretBroker(opts: {
  remembered: RememberedSecrets
  emit: (view: SecretRequestView) => void
  emitDone: (id: string) => void
  timeoutMs?: number
}): SecretBroker {
  const waiting = new Map<string, Pending>()

  const prompt: SecretPrompt = async (request) => {
    const key = keyOf(request)
    // A retry means the remembered answer was wrong: forget it and ask.
    if (request.retry) await opts.remembered.forget(key).catch(() => undefined)
    else {
      const known = await opts.remembered.get(key).catch(() => undefined)
      if (known !== undefined) return known
    }
    const view: SecretRequestView = {
      id: randomUUID(),
      kind: request.kind,
      host: request.host,
      port: request.port,
      user: request.user,
      keyFile: request.keyFile,
      retry: request.retry,
      message: request.message,
      canRemember: opts.remembered.unavailable() === undefined,
      rememberUnavailable: opts.remembered.unavailable(),
    }
    return new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => finish(view.id, undefined), opts.timeoutMs ?? 120_000)
      timer.unref()
      waiting.set(view.id, { view, key, resolve, timer })
      opts.emit(view)
    })
  }

  const finish = (id: string, value: string | undefined) => {
    const p = waiting.get(id)
    if (!p) return undefined
    waiting.delete(id)
    clearTimeout(p.timer)
    p.resolve(value)
    opts.emitDone(id)
    return p
  }

  return {
    prompt,
    async answer(id, value, remember) {
      const p = waiting.get(id)
      if (!p) throw new AppError('not_found', 'That question was answered already, or timed out. Try the action again.')
      if (value !== null && remember) {
        const why = opts.remembered.unavailable()
        if (why) throw new AppError('secrets_unavailable', why)
        await opts.remembered.set(p.key, value)
      }
      finish(id, value ?? undefined)
    },
    pending: () => [...waiting.values()].map((p) => p.view),
  }
}
