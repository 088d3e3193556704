// Connection tests (OS, PostgreSQL versions, round trip) and the host key decisions they lead
// to: a first contact asks the user to confirm the fingerprint (host.trust, then the test runs
// again); a changed key is shown and refused. Components show `questions[0]` as a dialog.
// A host that is connected (an operation or status opened its connection) and was never tested
// is tested once by itself, so the Hosts screen shows what it runs instead of "not tested".
import { defineStore } from 'pinia'
import { computed, reactive, shallowRef, watch } from 'vue'
import type { AppError } from '../../../shared/errors'
import type { Host } from '../../../shared/hosts'
import type { HostTestReport as HostTestResult } from '../../../shared/prepare'
import { connectionSignature } from '../hosts/hostForm'
import { keyQuestionFrom, type KeyQuestion, type UnknownKeyQuestion } from '../hosts/hostKeys'
import { asAppError } from './errors'
import { useBridge } from './bridge'
import { useHostConnectionsStore } from './hostConnections'
import { useHostsStore } from './hosts'

export interface TestOutcome {
  at: string
  /** The record's connection fields when it ran: an edit that changes them makes it stale. */
  signature: string
  result?: HostTestResult
  error?: AppError
}

export const useHostTestsStore = defineStore('hostTests', () => {
  const { client } = useBridge()
  const hosts = useHostsStore()

  /** By record id, so a rename keeps the last test. */
  const outcomes = reactive(new Map<string, TestOutcome>())
  const testing = reactive(new Set<string>())
  const questions = shallowRef<readonly KeyQuestion[]>([])
  const trusting = shallowRef(false)
  const trustError = shallowRef<AppError | null>(null)

  const recordNamed = (name: string): Host | undefined => hosts.hosts.find((h) => h.name === name)

  function ask(question: KeyQuestion): void {
    // One question per host: a newer one replaces what was asked before.
    questions.value = [...questions.value.filter((q) => q.name !== question.name), question]
  }

  /** Runs host.test; resolves to the result, or null when it failed (the outcome says why). */
  async function test(name: string): Promise<HostTestResult | null> {
    if (testing.has(name)) return null
    testing.add(name)
    const record = recordNamed(name)
    const signature = record ? connectionSignature(record) : ''
    try {
      const result = await client.host.test({ name })
      if (record) outcomes.set(record.id, { at: new Date().toISOString(), signature, result })
      return result
    } catch (err) {
      const error = asAppError(err)
      if (record) outcomes.set(record.id, { at: new Date().toISOString(), signature, error })
      const question = keyQuestionFrom(error, name, hosts.hosts)
      if (question) ask(question)
      return null
    } finally {
      testing.delete(name)
    }
  }

  /** The last test of a record, unless its connection fields changed since. */
  function outcomeOf(record: Host): TestOutcome | undefined {
    const o = outcomes.get(record.id)
    return o && o.signature === connectionSignature(record) ? o : undefined
  }

  const current = computed<KeyQuestion | null>(() => questions.value[0] ?? null)

  function dismiss(question: KeyQuestion): void {
    questions.value = questions.value.filter((q) => q !== question)
    trustError.value = null
  }

  /** Trusts the key the user confirmed, then tests again (which now connects). */
  async function trust(question: UnknownKeyQuestion): Promise<void> {
    if (trusting.value) return
    trusting.value = true
    trustError.value = null
    try {
      await client.host.trust({ name: question.name, fingerprint: question.key.fingerprint })
    } catch (err) {
      const error = asAppError(err)
      const refusal = keyQuestionFrom(error, question.name, hosts.hosts)
      if (refusal && refusal.kind === 'refused') {
        // The host presents another key than the one the user just read: refuse, say so.
        questions.value = questions.value.map((q) => (q === question ? refusal : q))
      } else {
        trustError.value = error
      }
      return
    } finally {
      trusting.value = false
    }
    dismiss(question)
    // Test what the user asked for; a jump host's key confirmed, the host behind may ask next.
    await test(question.testedName)
  }

  // Connected but never tested: test once (per record and connection fields), on the open connection.
  const connections = useHostConnectionsStore()
  const autoTested = new Set<string>()
  watch(
    () => connections.byName,
    (states) => {
      for (const record of hosts.hosts) {
        const key = `${record.id} ${connectionSignature(record)}`
        if (states[record.name]?.state !== 'connected' || outcomeOf(record) || testing.has(record.name) || autoTested.has(key)) continue
        autoTested.add(key)
        void test(record.name)
      }
    },
  )

  return { outcomes, testing, questions, current, trusting, trustError, test, outcomeOf, dismiss, trust }
})
