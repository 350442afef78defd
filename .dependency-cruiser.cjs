// The layer map of the project (README › Development): who may import whom. `npm run lint`
// runs it; a cycle or a forbidden import fails the lint.
/** Node's built-in modules that a browser page cannot load (as dependency-cruiser names them). */
const NODE_BUILTINS =
  '^(node:)?(fs|path|os|crypto|child_process|worker_threads|net|stream|util|zlib|events|buffer|readline)$';

/** A rule: files under `from` may not import files under any of `to`. */
const forbid = (name, comment, from, to) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from },
  to: { path: to },
});

/**
 * Folders in layers, lowest first: a folder may import the layers below it, never one above.
 * Folders then form no cycle (a module-level rule cannot see a cycle between two folders
 * that runs through different files), and the order says what each folder builds on.
 */
const layers = (name, root, order) =>
  order
    .slice(0, -1)
    .map((folder, i) =>
      forbid(
        `${name}: ${folder}`,
        `${root}${folder} sits below ${order.slice(i + 1).join(', ')} (${name}).`,
        `^${root}${folder}/`,
        [`^${root}(${order.slice(i + 1).join('|')})/`],
      ),
    );

module.exports = {
  forbidden: [
    ...layers('engine layers', 'server/src/engine/', [
      'backend', // which tfjs backend runs
      'data', // datasets as tensors, batches, the batch sampler
      'model', // the supernet: shared weights, ops, slicing, losses
      'onnx', // the ONNX graph of a subnet, and running it in onnxruntime
      'storage', // checkpoints, the run folder, candidates.jsonl
      'train', // one training step, samplers, optimizer, the trainer
      'threads', // every thread pool: a step's helpers, the evaluation pool
      'torch', // the pytorch backend: its compute process, the wire, the supernet's spec
      'evaluate', // inherited accuracy of subnets
      'standalone', // training one subnet alone (ranking checks, fine-tunes)
      'execute', // where evaluations and stand-alone trainings run: locally or on the queue
      'quantize', // int8
      'export', // ONNX files and their latency
      'devices', // latency on named devices: timing tasks, device workers, latency tables
      'search', // NSGA-II, objectives, rank statistics
      'ranking', // how well the supernet ranks subnets
      'run', // the jobs: train, search, export, finetune, rank
      'worker', // the fleet worker
    ]),
    ...layers('server layers', 'server/src/', [
      'config',
      'datasets',
      'python', // the interpreter of the pytorch backend: finding it, its probe, torchrun's command line
      'space',
      'analysis',
      'language',
      'bench',
      'driver',
      'cli',
      'lsp',
    ]),
    ...layers('shared layers', 'shared/src/', [
      'format',
      'schema',
      'runFolder',
      'protocol',
      'charts',
      'dashboard',
      'jobs',
      'runs',
    ]),
    ...layers('client layers', 'client/src/', ['dashboard', 'runs', 'tree']),
    {
      name: 'no-circular',
      comment: 'Modules form no import cycles.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    forbid(
      'shared-stands-alone',
      'shared/ holds the contracts: it imports nothing of the sides that use it.',
      '^shared/',
      ['^client/', '^server/', '^media/', '^test/'],
    ),
    forbid(
      'the-product-is-not-the-lab',
      'The shipped code never loads tests, experiments or build scripts.',
      '^(client|server|shared|media)/',
      ['^test/', '^lab/', '^scripts/'],
    ),
    forbid(
      'client-talks-through-shared',
      'The extension reaches the server only through the protocol in shared/.',
      '^client/',
      ['^server/', '^media/'],
    ),
    forbid(
      'webview-is-a-page',
      'The dashboard webview runs in a browser: it imports shared/ only.',
      '^media/',
      ['^client/', '^server/'],
    ),
    {
      name: 'webview-reaches-no-node-builtin',
      comment:
        'Nothing the webview imports, directly or through shared/, may load a Node built-in (fs, path, crypto…).',
      severity: 'error',
      from: { path: '^media/' },
      to: { path: NODE_BUILTINS, reachable: true },
    },
    forbid(
      'language-service-is-pure',
      'The language service is text in, results out: no LSP glue, no engine, no processes.',
      '^server/src/(language|config|space)/',
      ['^server/src/(lsp|cli|engine|driver|bench)/'],
    ),
    forbid(
      'datasets-read-files-only',
      'The data formats (server/src/datasets) are read by the engine, the checks and the editor: they use config and shared only.',
      '^server/src/datasets/',
      ['^server/src/(lsp|cli|engine|driver|bench|language)/'],
    ),
    forbid(
      'engine-stands-alone',
      'The engine runs in its own process: it uses config, space and shared, nothing of its drivers.',
      '^server/src/engine/',
      ['^server/src/(language|lsp|cli|driver|bench)/'],
    ),
    forbid(
      'drivers-do-not-load-the-engine',
      'The CLI and the language server start engine processes; they never load the engine (tfjs) themselves.',
      '^server/src/(lsp|cli|driver)/',
      ['^server/src/(engine|bench)/'],
    ),
    forbid(
      'driver-is-generic',
      'The engine driver knows the protocol, nothing of its two users.',
      '^server/src/driver/',
      ['^server/src/(lsp|cli|language|config|space)/'],
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|out|dist|media/dist|\\.e2e-tools)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      conditionNames: ['source', 'require', 'node', 'default'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};
