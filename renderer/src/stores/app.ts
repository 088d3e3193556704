// Facts about the running core: version and data dir.
import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import type { z } from 'zod'
import type { appInfo } from '../../../shared/contract'
import { useBridge } from './bridge'
import { useConnectionStore } from './connection'

export type AppInfo = z.output<typeof appInfo>

export const useAppStore = defineStore('app', () => {
  const { client } = useBridge()
  const connection = useConnectionStore()
  const info = ref<AppInfo | null>(null)

  async function load(): Promise<void> {
    try {
      info.value = await client.app.info({})
    } catch {
      // Shown as "unknown"; the connection banner says why.
    }
  }

  watch(
    () => connection.sessions,
    (sessions) => {
      if (sessions > 0) void load()
    },
    { immediate: true },
  )

  return { info, load }
})
