#!/usr/bin/env node
'use strict';
// The headless entry point: runs the bundled CLI (build it with `npm run build`).
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write(`supernet: ${bundle} is missing; run \`npm run build\` first.\n`);
  process.exit(2);
}
const { runCli } = require(bundle);
process.exitCode = runCli(
  process.argv.slice(2),
  (s) => process.stdout.write(s + '\n'),
  (s) => process.stderr.write(s + '\n'),
);
