// CLI commands derived from the contract: `replicadesk NOUN VERB [ARGS] [--field value]`, or a
// top-level verb where the contract says so (`replicadesk status CLUSTER`).
import { z } from 'zod'
import { methodEntries, type MethodEntry } from '../../shared/contract'

export interface FieldInfo {
  name: string
  flag: string
  type: 'string' | 'number' | 'integer' | 'boolean' | 'other'
  required: boolean
  description?: string
  /** The allowed values of an enum field, shown in the usage. */
  choices?: string[]
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/** The input fields of a method, read from its schema (so flags never drift from the contract). */
export function fieldsOf(entry: MethodEntry): FieldInfo[] {
  const schema = z.toJSONSchema(entry.spec.input, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, { type?: string; description?: string; enum?: unknown[] }>
    required?: string[]
  }
  return Object.entries(schema.properties ?? {}).map(([name, prop]) => ({
    name,
    flag: `--${kebab(name)}`,
    type: (['string', 'number', 'integer', 'boolean'] as const).find((t) => t === prop.type) ?? 'other',
    required: (schema.required ?? []).includes(name) && !(entry.spec.cli?.args ?? []).includes(name),
    description: prop.description,
    choices: prop.enum?.map(String),
  }))
}

export function commandWords(entry: MethodEntry): string[] {
  return entry.spec.cli?.command ? [entry.spec.cli.command] : [entry.noun, entry.verb]
}

const commands = methodEntries.filter((e) => !e.spec.cli?.hidden)

export function findCommand(words: string[]): { entry: MethodEntry; rest: string[] } | undefined {
  for (const entry of commands) {
    const cmd = commandWords(entry)
    if (cmd.every((w, i) => words[i] === w)) return { entry, rest: words.slice(cmd.length) }
  }
  return undefined
}

export class UsageError extends Error {}

/** Turn positional args and `--flag value` pairs into the method's input object. */
export function parseInput(entry: MethodEntry, rest: string[]): Record<string, unknown> {
  const fields = fieldsOf(entry)
  const input: Record<string, unknown> = {}
  const positional = [...(entry.spec.cli?.args ?? [])]
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!
    if (!word.startsWith('--')) {
      const name = positional.shift()
      if (!name) throw new UsageError(`Unexpected argument "${word}".`)
      input[name] = word
      continue
    }
    const [flag, inline] = word.split(/=(.*)/s, 2) as [string, string | undefined]
    const field = fields.find((f) => f.flag === flag)
    if (!field) throw new UsageError(`Unknown option ${flag}.`)
    if (field.type === 'boolean' && inline === undefined) {
      input[field.name] = true
      continue
    }
    const value = inline ?? rest[++i]
    if (value === undefined) throw new UsageError(`${flag} needs a value.`)
    input[field.name] = coerce(field, value)
  }
  // Positional arguments are required by design; a flag may have given one already.
  const missing = positional.filter((p) => !(p in input))
  if (missing.length) throw new UsageError(`Missing ${missing.map((m) => m.toUpperCase()).join(' ')}.`)
  return input
}

function coerce(field: FieldInfo, value: string): unknown {
  switch (field.type) {
    case 'number':
    case 'integer': {
      // Plain decimal only: Number() would also take 0x16, 1e3, " 22" or "0b10".
      const pattern = field.type === 'integer' ? /^-?\d+$/ : /^-?\d+(\.\d+)?$/
      const kind = field.type === 'integer' ? 'whole number' : 'number'
      if (!pattern.test(value)) throw new UsageError(`${field.flag} must be a ${kind} in decimal digits, not "${value}".`)
      return Number(value)
    }
    case 'boolean':
      if (value === 'true' || value === 'false') return value === 'true'
      throw new UsageError(`${field.flag} must be true or false.`)
    default:
      return value
  }
}

export function usageOf(entry: MethodEntry): string {
  const args = (entry.spec.cli?.args ?? []).map((a) => a.toUpperCase())
  const flags = fieldsOf(entry)
    .filter((f) => !(entry.spec.cli?.args ?? []).includes(f.name))
    .map((f) => {
      const value = f.type === 'boolean' ? '' : ` ${f.choices?.join('|') ?? f.type.toUpperCase()}`
      return f.required ? `${f.flag}${value}` : `[${f.flag}${value}]`
    })
  return ['replicadesk', ...commandWords(entry), ...args, ...flags].join(' ')
}

export function helpText(): string {
  const lines = commands.map((e) => `  ${usageOf(e).replace(/^replicadesk /, '').padEnd(60)} ${e.spec.summary}`)
  return [
    'Usage: replicadesk COMMAND [options]',
    '',
    'Commands:',
    ...lines,
    `  ${'serve [--host H] [--port P] [--allow-remote] [--no-tls]'.padEnd(60)} Run headless web mode`,
    '',
    'Options for every command:',
    '  --json            machine-readable output',
    '  --watch           with status: show it again whenever it changes (Ctrl-C stops)',
    '  --verbose         with a plan (--dry-run, or before "yes"): every step with its exact commands',
    '  --data-dir DIR    data dir (default: $REPLICADESK_DATA_DIR or the platform default)',
    '',
    'Exit codes: 0 ok, 1 failed, 2 usage, 3 a new host key to compare and trust (host test), 4 split brain (status).',
  ].join('\n')
}
