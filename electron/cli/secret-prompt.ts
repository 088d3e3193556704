// Answers the core's questions for SSH passwords and passphrases on the terminal, with the
// typed characters hidden. Without a terminal nobody here can answer: a standalone CLI then
// cancels at once (a clear auth error instead of a wait), while a running instance's own UI
// may still answer it.
import { secretRequestView } from '../../shared/secrets'
import type { CliSession } from './session'

export interface Terminal {
  isInteractive: boolean
  /** Shows the message and reads one line without echo; undefined on Ctrl-C / Ctrl-D. */
  readHidden(message: string): Promise<string | undefined>
}

export function answerSecrets(session: CliSession, terminal: Terminal): () => void {
  return session.onEvent((name, payload) => {
    if (name !== 'secretRequested') return
    const request = secretRequestView.safeParse(payload)
    if (!request.success) return
    if (!terminal.isInteractive) {
      if (session.kind === 'standalone') void session.call('secret.answer', { id: request.data.id, value: null })
      return
    }
    const prefix = request.data.retry ? 'That was not accepted. ' : ''
    void terminal.readHidden(`${prefix}${request.data.message}: `).then((value) =>
      session.call('secret.answer', { id: request.data.id, value: value ?? null, remember: false }),
    )
  })
}

export const processTerminal: Terminal = {
  isInteractive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
  readHidden(message) {
    return new Promise((resolve) => {
      const input = process.stdin
      process.stderr.write(message)
      input.setRawMode(true)
      input.resume()
      let typed = ''
      const done = (value: string | undefined) => {
        input.off('data', onData)
        input.setRawMode(false)
        input.pause()
        process.stderr.write('\n')
        resolve(value)
      }
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return done(typed)
          if (ch === '\u0003' || ch === '\u0004') return done(undefined)
          if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1)
          else typed += ch
        }
      }
      input.on('data', onData)
    })
  },
}
