import { main } from './main'

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`ReplicaDesk could not start: ${err.message}`)
    process.exit(1)
  },
)
