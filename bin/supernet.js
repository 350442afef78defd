#!/usr/bin/env node
'use strict';
// The headless entry point: runs the bundled CLI (built by `npm run build`, or `npm ci`).
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write(`supernet: ${bundle} is missing; run \`npm run build\` first.\n`);
  process.exit(2);
}
require(bundle).main();
