// The bridge the stores use, handed over once by main.ts (a fake one in store unit tests).
// Only stores import this: components read stores.
import type { Bridge } from '../bridge'

let current: Bridge | null = null

export function provideBridge(bridge: Bridge): void {
  current = bridge
}

export function useBridge(): Bridge {
  if (!current) throw new Error('provideBridge() must run before the first store is used')
  return current
}
