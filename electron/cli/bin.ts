import { runCli } from './main'

const argv = process.argv.slice(2)
const done = (code: number) => {
  process.exitCode = code
}

if (argv[0] === 'serve') {
  import('../server/main').then(({ main }) => main(argv.slice(1)).then((code) => process.exit(code)))
} else {
  runCli(argv, { out: (t) => console.log(t), err: (t) => console.error(t) }).then(done, (err: Error) => {
    console.error(`replicadesk failed unexpectedly: ${err.stack ?? err.message}`)
    done(1)
  })
}
