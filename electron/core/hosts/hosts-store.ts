// Host records in hosts.json. Every change is a locked read-modify-write, so the desktop app,
// a headless server and the CLI can share one data dir; reads take no lock (a read-only data
// dir is still listed). hosts.json.prev keeps the version before the last change. A damaged
// file is refused, never replaced (store/json-file.ts).
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { z } from 'zod'
import { AppError } from '../../../shared/errors'
import { host, hostInput, type Host, type HostEdit, type HostInput } from '../../../shared/hosts'
import { readDocument, writeDocument, type JsonDocument } from '../store/json-file'
import { withLock } from '../store/lock'
import { checkJumps, checkRemovable } from './jumps'

export class HostsStore {
  private readonly doc: JsonDocument<Host[]>

  constructor(private readonly dataDir: string) {
    this.doc = { file: join(dataDir, 'hosts.json'), version: 1, schema: z.array(host), empty: () => [], keepPrevious: true }
  }

  list(): Promise<Host[]> {
    return readDocument(this.doc)
  }

  async get(name: string): Promise<Host> {
    const found = (await this.list()).find((h) => h.name === name)
    if (!found) throw notFound(name)
    return found
  }

  add(input: HostInput): Promise<Host> {
    const fields = hostInput.parse(input)
    return this.update((hosts) => {
      if (hosts.some((h) => h.name === fields.name)) throw duplicate(fields.name)
      const now = new Date().toISOString()
      const record: Host = { id: randomUUID(), ...fields, createdAt: now, updatedAt: now }
      return [[...hosts, record], record]
    })
  }

  edit(edit: HostEdit): Promise<Host> {
    const { name, newName, ...changes } = edit
    return this.update((hosts) => {
      const index = hosts.findIndex((h) => h.name === name)
      const current = hosts[index]
      if (!current) throw notFound(name)
      if (newName && newName !== name && hosts.some((h) => h.name === newName)) throw duplicate(newName)
      const merged: Record<string, unknown> = { ...current, name: newName ?? name, updatedAt: new Date().toISOString() }
      for (const [key, value] of Object.entries(changes)) {
        if (value === null) delete merged[key]
        else if (value !== undefined) merged[key] = value
      }
      const record = host.parse(merged)
      const next = hosts.slice()
      next[index] = record
      return [next, record]
    })
  }

  remove(name: string): Promise<Host> {
    return this.update((hosts) => {
      const found = hosts.find((h) => h.name === name)
      if (!found) throw notFound(name)
      checkRemovable(hosts, name)
      return [hosts.filter((h) => h !== found), found]
    })
  }

  private update<R>(change: (hosts: Host[]) => [Host[], R]): Promise<R> {
    return withLock(this.dataDir, 'hosts', async () => {
      const before = await this.list()
      const [next, result] = change(before)
      checkJumps(before, next)
      await writeDocument(this.doc, next)
      return result
    })
  }
}

const notFound = (name: string) =>
  new AppError('not_found', `There is no host named "${name}". Run \`replicadesk host list\` to see the hosts.`, { field: 'name' })

const duplicate = (name: string) =>
  new AppError('conflict', `A host named "${name}" exists already. Pick another name or edit that host.`, { field: 'name' })
