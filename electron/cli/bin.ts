// Entry of the `replicadesk` command (built as out/cli/index.cjs and index.mjs). `status
// CLUSTER [--json]` with an instance running takes the thin path (node builtins only);
// everything else — and that path whenever it cannot answer exactly as the full CLI would —
// loads the full CLI.
import { escapeControls } from '../../shared/terminal-text'
import { fastStatus } from './fast-status'

const argv = process.argv.slice(2)

fastStatus(argv, { out: (t) => void process.stdout.write(`${escapeControls(t)}\n`) })
  .catch(() => undefined)
  .then((code) => {
    if (code !== undefined) process.exitCode = code
    else return import('./full').then(({ runFull }) => runFull(argv))
  })
