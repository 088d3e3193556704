// Steps of another operation kind run as steps of a settings change (the primary's restart
// through a switchover, a replica added or removed): each keeps its own params and gets an id
// and title of its own here, so the one journal of the settings change resumes them all.
import type { Step } from '../../../operations'

export function nestSteps<P, Q>(prefix: string, titlePrefix: string, steps: readonly Step<Q>[], params: Q): Step<P>[] {
  return steps.map(
    (s): Step<P> => ({
      hosts: s.hosts,
      ...(s.weight !== undefined && { weight: s.weight }),
      id: `${prefix}-${s.id}`,
      title: `${titlePrefix}${s.title}`,
      plan: (ctx) => s.plan({ ...ctx, params }),
      check: (ctx) => s.check({ ...ctx, params }),
      run: (ctx, report) => s.run({ ...ctx, params }, report),
      ...(s.undo && { undo: (ctx) => s.undo!({ ...ctx, params }) }),
    }),
  )
}
