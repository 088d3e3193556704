// Which screen the window shows. Kept in the address's #fragment so a reload stays put.
import { defineStore } from 'pinia'
import { onScopeDispose, ref } from 'vue'

export const views = ['clusters', 'operations', 'hosts', 'activity'] as const
export type View = (typeof views)[number]

const fromHash = (hash: string): View | undefined => views.find((v) => hash === `#/${v}`)

export const useShellStore = defineStore('shell', () => {
  const view = ref<View>(fromHash(window.location.hash) ?? 'clusters')

  const onHashChange = () => {
    const next = fromHash(window.location.hash)
    if (next) view.value = next
  }
  window.addEventListener('hashchange', onHashChange)
  onScopeDispose(() => window.removeEventListener('hashchange', onHashChange))

  function show(next: View): void {
    view.value = next
    if (window.location.hash !== `#/${next}`) window.history.replaceState(null, '', `#/${next}`)
  }

  return { view, show }
})
