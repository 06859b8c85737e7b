#!/usr/bin/env node
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS shim: require is how it loads tsx and the CLI */
// The project runs its TypeScript through tsx: register its loader, then run the command line.
try {
  require.resolve('tsx/cjs');
} catch {
  // A fresh clone before any install: say what to do rather than show a module-not-found trace.
  process.stderr.write('segment-export: the npm dependencies are not installed: run npm install (or any npm script) first\n');
  process.exit(1);
}
require('tsx/cjs');
require('../cli/main.ts').runAsProcess();
