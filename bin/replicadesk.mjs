#!/usr/bin/env node
// `npm run cli` and older links: the command itself is replicadesk.cjs.
import './replicadesk.cjs'
