// Keep a cluster's live status coming while a component shows it: follows the cluster in the
// status store (and the next one when the id changes), and lets go when the component unmounts.
import { onBeforeUnmount, watch } from 'vue'
import { useStatusStore } from '../../stores/status'

export function useFollowCluster(cluster: () => string): void {
  const status = useStatusStore()
  let release: (() => void) | null = null
  watch(
    cluster,
    (id) => {
      release?.()
      release = status.follow(id)
    },
    { immediate: true },
  )
  onBeforeUnmount(() => release?.())
}
