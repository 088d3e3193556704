// Checks an operation definition before anything runs, turns it into the plan a dry run
// and the confirmation dialog show, and gives engines a typed way to register a kind.
import type { z } from 'zod'
import { AppError } from '../../../shared/errors'
import { operationKind, operationPlan, type OperationPlan } from '../../../shared/operations'
import { redactArgv } from '../ssh/quote'
import type { OperationDefinition, OperationFactory, PlanContext, RemoteRunner } from './types'

const stepIdPattern = /^[a-z0-9][a-z0-9-]{0,62}$/

export function validateDefinition(def: OperationDefinition<unknown>): void {
  if (!operationKind.safeParse(def.kind).success) throw new AppError('invalid_input', `"${def.kind}" is not a valid operation kind.`)
  if (def.steps.length === 0) throw new AppError('invalid_input', `Operation ${def.kind} has no steps.`)
  const seen = new Set<string>()
  for (const step of def.steps) {
    if (!stepIdPattern.test(step.id)) throw new AppError('invalid_input', `Step id "${step.id}" of ${def.kind} must be lower-case letters, digits and dashes.`)
    if (seen.has(step.id)) throw new AppError('invalid_input', `Operation ${def.kind} has two steps named "${step.id}".`)
    seen.add(step.id)
    if (step.weight !== undefined && !(step.weight > 0)) throw new AppError('invalid_input', `Step ${step.id} of ${def.kind} needs a positive weight.`)
  }
  // Params are journaled and shown: they must survive JSON unchanged.
  try {
    JSON.stringify(def.params)
  } catch {
    throw new AppError('invalid_input', `The params of ${def.kind} are not plain JSON.`)
  }
}

/** The summary, then the exact commands every step will run, secrets masked. Runs nothing but the reads of the summary and the steps. */
export async function planOperation(def: OperationDefinition<unknown>, remote: RemoteRunner, operationId?: string): Promise<OperationPlan> {
  validateDefinition(def)
  const ctx: PlanContext<unknown> = { operationId, clusterId: def.clusterId, params: def.params, remote }
  const steps = []
  for (const step of def.steps) {
    const commands = await step.plan(ctx)
    steps.push({
      id: step.id,
      title: step.title,
      hosts: [...step.hosts],
      undoable: typeof step.undo === 'function',
      commands: commands.map((c) => ({
        host: c.host,
        argv: redactArgv(c.argv),
        ...(c.runAs !== undefined && { runAs: c.runAs }),
        ...(c.note !== undefined && { note: c.note }),
      })),
    })
  }
  const summary = def.summary ? [...(await def.summary(ctx))] : []
  // A definition made by hand (tests) may have none: its title is the one sentence then.
  return operationPlan.parse({ kind: def.kind, clusterId: def.clusterId, title: def.title, summary: summary.length ? summary : [`${def.title}.`], members: [...def.members], steps })
}

export interface OperationKind<P, I = P> {
  kind: string
  /** What the app registers so the runner can rebuild the operation to resume or abandon it. */
  factory: OperationFactory
  /** A definition for new params (parsed with the kind's schema). */
  create(input: { clusterId: string; params: I; members: readonly string[] }): OperationDefinition<P>
}

/** What an engine's build gives: the title, the steps and (required here) the plan's summary. */
type Built<P> = Omit<OperationDefinition<P>, 'kind' | 'clusterId' | 'params' | 'members' | 'summary'> & Required<Pick<OperationDefinition<P>, 'summary'>>

/**
 * How an engine declares one kind of operation:
 *   export const createReplica = defineOperationKind({ kind: 'create-replica', params: schema,
 *     build: ({ clusterId, params, members }) => ({ title, steps: [...] }) })
 */
export function defineOperationKind<S extends z.ZodType>(spec: {
  kind: string
  params: S
  build(input: { clusterId: string; params: z.output<S>; members: readonly string[] }): Built<z.output<S>>
}): OperationKind<z.output<S>, z.input<S>> {
  const create = (input: { clusterId: string; params: unknown; members: readonly string[] }): OperationDefinition<z.output<S>> => {
    const parsed = spec.params.safeParse(input.params)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const where = issue && issue.path.length ? `${issue.path.join('.')}: ` : ''
      throw new AppError('invalid_input', `Invalid params for ${spec.kind}: ${where}${issue?.message ?? 'invalid'}`, parsed.error.issues)
    }
    const params = parsed.data
    const members = [...input.members]
    return { kind: spec.kind, clusterId: input.clusterId, params, members, ...spec.build({ clusterId: input.clusterId, params, members }) }
  }
  return { kind: spec.kind, factory: create as OperationFactory, create }
}
