// Bundles the extension's entry points with esbuild: one file each for the client,
// the language server, the CLI, the benchmark and the engine's worker threads. Native packages stay external.
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const watch = process.argv.includes('--watch');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  // Native and wasm packages load binaries relative to their own folders, and the tfjs
  // packages must share one tfjs-core instance: they stay in node_modules.
  external: ['vscode', 'onnxruntime-node', '@tensorflow/*', 'sharp', '@img/*'],
  // `#shared/*` resolves to the TypeScript sources (package.json "imports").
  conditions: ['source'],
};

const entries = {
  client: 'client/src/extension.ts',
  server: 'server/src/lsp/main.ts',
  cli: 'server/src/cli/main.ts',
  engine: 'server/src/engine/main.ts',
  bench: 'server/src/bench/main.ts',
  // The threads the engine starts (engine/threads/): helpers of subnet-parallel training
  // steps and the evaluation pool's, found next to the engine bundle.
  stepThread: 'server/src/engine/threads/stepThread.ts',
  evalThread: 'server/src/engine/threads/evalThread.ts',
};

await Promise.all([
  ...Object.entries(entries).map(([name, entry]) =>
    build({ ...common, entryPoints: [entry], outfile: `dist/${name}.js` }),
  ),
  // tfjs-core's gradients, from its ES modules (server/src/engine/backend/tfjsGradients.ts).
  build({
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    entryPoints: ['server/src/engine/backend/tfjsGradientsBundle.ts'],
    outfile: 'dist/tfjs-gradients.js',
  }),
  // The dashboard webview runs in a browser page: uPlot and its CSS are bundled in
  // (media/dist/dashboard.js and .css), nothing is loaded from elsewhere.
  build({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: true,
    minify: true,
    logLevel: 'warning',
    conditions: ['source'],
    entryPoints: ['media/src/dashboard/main.ts'],
    outfile: 'media/dist/dashboard.js',
  }),
]);

// The JSON Schema is generated from the same schema object as the validator.
const require = createRequire(import.meta.url);
const { buildJsonSchemaText } = require('../dist/cli.js');
writeFileSync('schemas/supernet.schema.json', buildJsonSchemaText());
if (watch) console.log('watch mode is not supported; rerun npm run build');
