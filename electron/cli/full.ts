// The full command-line front end (every command; the core in-process or a running instance),
// loaded by bin.ts whenever the thin status path does not answer.
import { toErrorData } from '../../shared/errors'
import { runCli } from './main'

export function runFull(argv: string[]): void {
  const done = (code: number) => {
    process.exitCode = code
  }
  if (argv[0] === 'serve') {
    // A start that fails (a data dir that is a file, a damaged store file …) says why, like bin.ts of the server.
    import('../server/main')
      .then(({ main }) => main(argv.slice(1)))
      .then(
        (code) => process.exit(code),
        (err: unknown) => {
          console.error(`ReplicaDesk could not start: ${toErrorData(err).message}`)
          process.exit(1)
        },
      )
  } else {
    runCli(argv, { out: (t) => console.log(t), err: (t) => console.error(t) }).then(done, (err: Error) => {
      console.error(`replicadesk failed unexpectedly: ${err.stack ?? err.message}`)
      done(1)
    })
  }
}
