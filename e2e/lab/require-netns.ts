// Tests that need a per-host link or per-host paths call requireNetns first. In loopback mode
// they cannot prove anything, so they say NOT RUN; in CI that must fail the run, not pass it.
import { LabError } from './run'
import { readLab, type Lab } from './state'

/**
 * True in netns mode. Otherwise prints `NOT RUN: <reason>` and returns false (the test should
 * return, or pass `skip` to mark it skipped); with CI=true it throws instead.
 */
export function requireNetns(reason: string, opts: { lab?: Lab; skip?: (note?: string) => void } = {}): boolean {
  const lab = opts.lab ?? readLab()
  if (lab.mode === 'netns') return true
  const message = `NOT RUN: ${reason} (the lab runs in ${lab.mode} mode: no network namespaces here)`
  if (process.env.CI === 'true') throw new LabError(`${message}; CI must run every lab test`)
  console.warn(message)
  opts.skip?.(message)
  return false
}
