// Test hook: kill this process with SIGKILL at a chosen point of a step, so tests can crash
// the app at every step and prove that resume and abandon recover. Points:
//   before:<stepId>  the step is journaled as running, its action has not started
//   during:<stepId>  the step's action reported progress for the first time (half done)
//   after:<stepId>   the action returned, the journal does not say done yet
// Set by the runner option `fault` or the env var REPLICADESK_FAULT.
import { AppError } from '../../../shared/errors'
import type { FaultPoint } from './types'

export const FAULT_ENV = 'REPLICADESK_FAULT'

export function parseFault(text: string | undefined): FaultPoint | undefined {
  if (!text) return undefined
  const match = /^(before|during|after):([a-z0-9][a-z0-9-]*)$/.exec(text.trim())
  if (!match) throw new AppError('invalid_input', `${FAULT_ENV}="${text}" is not before:<stepId>, during:<stepId> or after:<stepId>.`)
  return { when: match[1] as FaultPoint['when'], stepId: match[2]! }
}

export function faultFromEnv(env: NodeJS.ProcessEnv = process.env): FaultPoint | undefined {
  return parseFault(env[FAULT_ENV])
}

export function maybeCrash(fault: FaultPoint | undefined, when: FaultPoint['when'], stepId: string): void {
  if (fault && fault.when === when && fault.stepId === stepId) process.kill(process.pid, 'SIGKILL')
}
