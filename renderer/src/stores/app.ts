// Facts about the running core: version and data dir.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { z } from 'zod'
import type { appInfo } from '../../../shared/contract'
import { useBridge } from './bridge'
import { loadOnEverySession } from './sessions'

export type AppInfo = z.output<typeof appInfo>

export const useAppStore = defineStore('app', () => {
  const { client } = useBridge()
  const info = ref<AppInfo | null>(null)

  async function load(): Promise<void> {
    try {
      info.value = await client.app.info({})
    } catch {
      // Shown as "unknown"; the connection banner says why.
    }
  }

  loadOnEverySession(load)

  return { info, load }
})
