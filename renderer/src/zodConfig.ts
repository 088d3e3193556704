// Runs before anything parses. zod compiles object schemas with `new Function` when it may;
// our CSP forbids eval (script-src 'self'), and zod's probe for that is reported as a CSP
// violation even though zod catches it. Jitless mode skips the probe and the compiler.
import { z } from 'zod'

z.config({ jitless: true })
