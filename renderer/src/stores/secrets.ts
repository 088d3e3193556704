// Questions the core asks for an SSH password or key passphrase while it connects (a test, a
// cluster operation …): shown one at a time by the secret dialog, answered with secret.answer.
// Loaded with secret.pending on every (re)connection, so a question asked while this page was
// away (or before it opened) is still shown; secretSettled closes one answered elsewhere.
import { defineStore } from 'pinia'
import { computed, onScopeDispose, shallowRef } from 'vue'
import type { AppError } from '../../../shared/errors'
import type { SecretRequestView } from '../../../shared/secrets'
import { asAppError } from './errors'
import { useBridge } from './bridge'
import { loadOnEverySession } from './sessions'

export const useSecretsStore = defineStore('secrets', () => {
  const { client } = useBridge()

  const questions = shallowRef<readonly SecretRequestView[]>([])
  const answering = shallowRef<string | null>(null)
  const answerError = shallowRef<AppError | null>(null)
  // What events said while a load ran: the load's reply is older than them.
  let during: { asked: SecretRequestView[]; settled: Set<string> } | null = null

  function add(q: SecretRequestView): void {
    questions.value = [...questions.value.filter((x) => x.id !== q.id), q]
  }

  function drop(id: string): void {
    if (questions.value.some((q) => q.id === id)) questions.value = questions.value.filter((q) => q.id !== id)
    if (answering.value === id) answering.value = null
  }

  const offAsked = client.on('secretRequested', (q) => {
    during?.asked.push(q)
    add(q)
  })
  const offSettled = client.on('secretSettled', ({ id }) => {
    during?.settled.add(id)
    drop(id)
  })
  onScopeDispose(() => {
    offAsked()
    offSettled()
  })

  async function load(): Promise<void> {
    const mine = { asked: [] as SecretRequestView[], settled: new Set<string>() }
    during = mine
    try {
      const pending = await client.secret.pending({})
      const ids = new Set(pending.map((q) => q.id))
      questions.value = [...pending, ...mine.asked.filter((q) => !ids.has(q.id))].filter((q) => !mine.settled.has(q.id))
    } catch {
      // Keeps what it shows; the connection banner says why.
    } finally {
      if (during === mine) during = null
    }
  }

  loadOnEverySession(load)

  /** value null: the user cancelled. Resolves to whether the question is closed. */
  async function answer(id: string, value: string | null, remember: boolean): Promise<boolean> {
    if (answering.value) return false
    answering.value = id
    answerError.value = null
    try {
      await client.secret.answer({ id, value, remember: value !== null && remember })
      drop(id)
      return true
    } catch (err) {
      const error = asAppError(err)
      // Answered elsewhere or timed out: nothing left to answer.
      if (error.code === 'not_found') {
        drop(id)
        return true
      }
      answerError.value = error
      return false
    } finally {
      if (answering.value === id) answering.value = null
    }
  }

  const current = computed<SecretRequestView | null>(() => questions.value[0] ?? null)

  return { questions, current, answering, answerError, answer, load }
})
