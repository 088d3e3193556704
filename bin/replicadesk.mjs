#!/usr/bin/env node
// Runs the built CLI; builds it first when run from a fresh checkout.
import { existsSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const entry = join(root, 'out', 'cli', 'index.mjs')
if (!existsSync(entry)) execFileSync(process.execPath, [join(root, 'scripts', 'build-node.mjs')], { stdio: 'inherit' })
await import(entry)
