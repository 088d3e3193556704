// Host records: the list the core keeps, kept current by the hostsChanged event (changes made
// by another window, a browser tab or the CLI show up without a reload).
import { defineStore } from 'pinia'
import { computed, onScopeDispose, ref, shallowRef } from 'vue'
import type { AppError } from '../../../shared/errors'
import type { Host, HostEdit, HostInput } from '../../../shared/hosts'
import { asAppError } from './errors'
import { useBridge } from './bridge'
import { loadOnEverySession } from './sessions'

const byName = (a: Host, b: Host) => a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: 'base' })

export const useHostsStore = defineStore('hosts', () => {
  const { client } = useBridge()

  const hosts = shallowRef<Host[]>([])
  const loaded = ref(false)
  const loading = ref(false)
  const loadError = shallowRef<AppError | null>(null)
  // Bumped by every authoritative list (event or load): a load that started before the latest
  // event must not overwrite it with older data.
  let generation = 0

  function setAll(list: Host[]): void {
    generation++
    hosts.value = list
    loaded.value = true
    loadError.value = null
  }

  onScopeDispose(client.on('hostsChanged', ({ hosts: list }) => setAll(list)))

  async function load(): Promise<void> {
    const started = generation
    loading.value = true
    try {
      const list = await client.host.list({})
      if (generation === started) setAll(list)
    } catch (err) {
      loadError.value = asAppError(err)
    } finally {
      loading.value = false
    }
  }

  loadOnEverySession(load)

  /** Replaces or appends one record right away; the hostsChanged event confirms it. */
  function put(record: Host): void {
    generation++
    const others = hosts.value.filter((h) => h.id !== record.id)
    hosts.value = [...others, record]
  }

  async function add(input: HostInput): Promise<Host> {
    const record = await client.host.add(input)
    put(record)
    return record
  }

  async function edit(input: HostEdit): Promise<Host> {
    const record = await client.host.edit(input)
    put(record)
    return record
  }

  async function remove(name: string): Promise<void> {
    await client.host.remove({ name })
    generation++
    hosts.value = hosts.value.filter((h) => h.name !== name)
  }

  const sorted = computed(() => [...hosts.value].sort(byName))
  const count = computed(() => hosts.value.length)

  return { hosts, sorted, count, loaded, loading, loadError, load, add, edit, remove }
})
