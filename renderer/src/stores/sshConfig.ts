// The entries of ~/.ssh/config that can become host records (read on demand: the file is the
// user's and may change at any time).
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { AppError } from '../../../shared/errors'
import type { ImportableHost } from '../hosts/importHost'
import { asAppError } from './errors'
import { useBridge } from './bridge'

export const useSshConfigStore = defineStore('sshConfig', () => {
  const { client } = useBridge()
  const entries = shallowRef<ImportableHost[]>([])
  const loaded = ref(false)
  const loading = ref(false)
  const loadError = shallowRef<AppError | null>(null)

  async function load(): Promise<void> {
    loading.value = true
    try {
      entries.value = await client.host.importable({})
      loadError.value = null
      loaded.value = true
    } catch (err) {
      loadError.value = asAppError(err)
    } finally {
      loading.value = false
    }
  }

  return { entries, loaded, loading, loadError, load }
})
