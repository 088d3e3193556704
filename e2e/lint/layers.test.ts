// Proves that `npm run lint` fails on a layer violation (DESIGN.md), by linting sample files
// placed (virtually) in each layer with the project's own ESLint config.
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const eslint = new ESLint({ cwd: process.cwd() })

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

async function ruleMessages(filePath: string, code: string, rule: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return (result?.messages ?? []).filter((m) => m.ruleId === rule).map((m) => m.message)
}

describe('remote command lines come only from quote.ts and constant scripts', () => {
  it.each([
    ['a value interpolated into a sh -c script', "const dir = process.argv[2]\nexport const c = ['sh', '-c', `rm -rf ${dir}`]"],
    ['a value concatenated into a sh -c script', "const dir = process.argv[2]\nexport const c = ['sh', '-c', 'rm -rf ' + dir]"],
    ['a raw command line', "export const o = { rawLine: 'rm -rf /' }"],
  ])('%s fails lint', async (_label, code) => {
    expect(await ruleMessages('electron/core/engines/postgres/sample.ts', code, 'no-restricted-syntax')).not.toEqual([])
  })

  it('a constant script with positional arguments passes', async () => {
    const code = "const SCRIPT = 'rm -f -- \"$1\"'\nexport const c = (f: string) => ['sh', '-c', SCRIPT, 'sh', f]"
    expect(await ruleMessages('electron/core/engines/postgres/sample.ts', code, 'no-restricted-syntax')).toEqual([])
  })
})

describe('MariaDB lives in its engine folder', () => {
  it.each([
    ['electron/core/status/sample.ts', "export const q = 'SHOW ALL SLAVES STATUS'"],
    ['electron/core/clusters/sample.ts', 'export const q = (g: string) => `SET GLOBAL gtid_slave_pos = ${g}`'],
    ['electron/core/operations/sample.ts', "export const c = ['mariadb-backup', '--backup']"],
    ['electron/core/sample.ts', "import mysql from 'mysql2'\nexport const m = mysql"],
  ])('%s: MariaDB knowledge outside electron/core/engines/mariadb fails lint', async (file, code) => {
    expect(await ruleMessages(file, code, 'no-restricted-syntax')).not.toEqual([])
  })

  it.each([
    ['electron/core/engines/mariadb/sample.ts', "import { Handoff } from '../postgres/handoff'\nexport const h = Handoff"],
    ['electron/core/engines/postgres/status/sample.ts', "import { gtidBehind } from '../../mariadb/roles'\nexport const g = gtidBehind"],
  ])('%s: importing the other engine fails lint', async (file, code) => {
    expect(await restrictedImports(file, code)).not.toEqual([])
  })

  it.each([
    ['electron/core/engines/mariadb/failover/sample.ts', "import { gtidBehind } from '../status/derive'\nexport const g = gtidBehind"],
    ['electron/core/engines/postgres/sample.ts', "import { statusMembers } from './status'\nexport const s = statusMembers"],
  ])('%s: an engine step importing its own status/ folder fails lint', async (file, code) => {
    expect(await restrictedImports(file, code)).not.toEqual([])
  })

  it('the engine wiring and Patroni\'s own status file pass', async () => {
    expect(await restrictedImports('electron/core/engines/postgres/engine.ts', "import { postgresStatus } from './status'\nexport const s = postgresStatus")).toEqual([])
    expect(await restrictedImports('electron/core/engines/postgres/patroni/index.ts', "import { readPatroniStatus } from './status'\nexport const s = readPatroniStatus")).toEqual([])
  })

  it('the same inside the engine folder passes', async () => {
    expect(await ruleMessages('electron/core/engines/mariadb/sample.ts', "export const q = 'SHOW ALL SLAVES STATUS'", 'no-restricted-syntax')).toEqual([])
  })
})

describe('external links', () => {
  it('shell.openExternal anywhere but the Electron entry fails lint', async () => {
    const code = "import { shell } from 'electron'\nexport const open = (u: string) => shell.openExternal(u)"
    expect(await ruleMessages('electron/main/sample.ts', code, 'no-restricted-properties')).not.toEqual([])
  })
})

describe('layer rules', () => {
  it.each([
    ['electron/core/sample.ts', "import { app } from 'electron'\nexport const a = app"],
    ['electron/server/sample.ts', "import { app } from 'electron'\nexport const a = app"],
    ['electron/cli/sample.ts', "import { app } from 'electron'\nexport const a = app"],
    ['shared/sample.ts', "import { readFile } from 'node:fs'\nexport const a = readFile"],
    ['shared/sample2.ts', "import { Client } from 'ssh2'\nexport const a = Client"],
    ['renderer/src/sample.ts', "import { createCore } from '../../electron/core/core'\nexport const a = createCore"],
    ['renderer/src/sample2.ts', "import { join } from 'path'\nexport const a = join"],
  ])('%s: the forbidden import fails lint', async (file, code) => {
    expect(await restrictedImports(file, code)).not.toEqual([])
  })

  it.each([
    ['electron/main/sample.ts', "import { app } from 'electron'\nexport const a = app"],
    ['electron/core/sample.ts', "import { readFile } from 'node:fs'\nexport const a = readFile"],
    ['renderer/src/sample.ts', "import { contract } from '../../shared/contract'\nexport const a = contract"],
  ])('%s: the allowed import passes', async (file, code) => {
    expect(await restrictedImports(file, code)).toEqual([])
  })
})

describe('test support stays under e2e/', () => {
  it.each([
    ['electron/core/sample.ts', "import { labHosts } from '../../e2e/lab'\nexport const a = labHosts"],
    ['electron/cli/sample.ts', "import { cliLab } from '../../e2e/support/cli/cli-lab'\nexport const a = cliLab"],
    ['electron/main/sample.ts', "import { x } from '../../e2e/fixtures/paths'\nexport const a = x"],
    ['shared/sample.ts', "import { x } from '../e2e/fixtures/paths'\nexport const a = x"],
    ['renderer/src/sample.ts', "import { x } from '../../e2e/pages/AppShell'\nexport const a = x"],
  ])('production code %s importing e2e/ fails lint', async (file, code) => {
    expect(await restrictedImports(file, code)).not.toEqual([])
  })

  it('a test beside the code may import e2e/ support', async () => {
    expect(await restrictedImports('electron/core/sample.test.ts', "import { labHosts } from '../../e2e/lab'\nexport const a = labHosts")).toEqual([])
  })

  it('production code in node layers still may not import electron', async () => {
    expect(await restrictedImports('electron/core/status/sample.ts', "import { app } from 'electron'\nexport const a = app")).not.toEqual([])
  })
})

describe('status, operations and ssh know no engine', () => {
  it.each(['status', 'operations', 'ssh'])('electron/core/%s importing an engine\'s own file fails lint', async (dir) => {
    expect(await restrictedImports(`electron/core/${dir}/sample.ts`, "import { lsnDiff } from '../engines/postgres/lsn'\nexport const a = lsnDiff")).not.toEqual([])
  })

  it('the Engine interface itself is allowed', async () => {
    expect(await restrictedImports('electron/core/status/sample.ts', "import type { EngineId } from '../engines/engine'\nexport type A = EngineId")).toEqual([])
  })

  it('elsewhere in the core (the composition root) an engine may be imported', async () => {
    expect(await restrictedImports('electron/core/sample.ts', "import { createPostgresEngine } from './engines/postgres'\nexport const a = createPostgresEngine")).toEqual([])
  })
})

describe('small files, short functions', () => {
  const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i}`).join('\n')
  it('a production file over 400 lines fails lint; a test file does not', async () => {
    const code = `${body(401)}\nexport {}`.replace(/^ {2}/gm, '')
    expect(await ruleMessages('electron/core/sample.ts', code, 'max-lines')).not.toEqual([])
    expect(await ruleMessages('electron/core/sample.test.ts', code, 'max-lines')).toEqual([])
  })

  it('a function over 120 lines fails lint; blank lines and comments do not count', async () => {
    expect(await ruleMessages('electron/core/sample.ts', `export function f() {\n${body(121)}\n}`, 'max-lines-per-function')).not.toEqual([])
    const padded = `export function f() {\n${body(100)}\n${'\n  // why\n'.repeat(40)}\n}`
    expect(await ruleMessages('electron/core/sample.ts', padded, 'max-lines-per-function')).toEqual([])
  })
})
