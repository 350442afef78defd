// One epoch of the tiny example on each backend and process layout, two seeds each: the
// largest and smallest subnets' inherited validation accuracy after the epoch, so that the
// pytorch backend (one process, two under torchrun, two nodes on 127.0.0.1) is compared with
// the engine's own tfjs training against the seed-to-seed spread (#31).
//   npm run build && node lab/torch-backend-epoch.mjs [--seeds 0,1] [--layouts tfjs,pytorch-1x2,…] [--out lab/results/torch/epoch.jsonl]
// Needs /usr/bin/python3 with torch (Debian's python3-torch). One training at a time.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'supernet.js');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const seeds = arg('seeds', '0,1').split(',').map(Number);
const out = path.resolve(arg('out', path.join(root, 'lab/results/torch/epoch.jsonl')));
const work = mkdtempSync(path.join(tmpdir(), 'torch-epoch-'));
const env = { ...process.env, SUPERNET_PYTHON: '/usr/bin/python3' };
const base = readFileSync(path.join(root, 'examples/tiny.supernet.yaml'), 'utf8');

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const layouts = {
  tfjs: ['--backend', 'wasm'],
  'pytorch-1x2': ['--backend', 'pytorch'],
  'pytorch-2proc': ['--backend', 'pytorch', '--nproc-per-node', '2'],
  // Two "machines" on this one's two cores: a core each (each node would take both).
  'pytorch-2nodes': ['--backend', 'pytorch', '--nnodes', '2', '--threads', '1'],
};
const only = arg('layouts', Object.keys(layouts).join(',')).split(',');

for (const seed of seeds) {
  const config = path.join(work, `tiny-s${seed}.supernet.yaml`);
  writeFileSync(config, base.replace(/^ {2}seed: 0$/m, `  seed: ${seed}`));
  for (const [layout, flags] of Object.entries(layouts)) {
    if (!only.includes(layout)) continue;
    const args = ['train', config, ...flags, '--runs', path.join(work, 'runs'), '--json'];
    let node1;
    if (layout === 'pytorch-2nodes') {
      const rdzv = `127.0.0.1:${await freePort()}`;
      args.push('--rdzv', rdzv);
      node1 = spawn(
        process.execPath,
        [cli, 'train-node', '--rdzv', rdzv, '--nnodes', '2', '--node-rank', '1', '--threads', '1'],
        { env, stdio: 'ignore' },
      );
    }
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [cli, ...args], {
      env,
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    if (r.status !== 0) throw new Error(`${layout} seed ${seed}: ${r.stderr}`);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const epoch = events.find((e) => e.type === 'epoch');
    const start = events.find((e) => e.type === 'run-start');
    const row = {
      layout,
      seed,
      backend: start.backend,
      compute: start.compute ?? null,
      steps: events.filter((e) => e.type === 'step').length,
      largest: epoch.largest.accuracy,
      smallest: epoch.smallest.accuracy,
      seconds: (Date.now() - t0) / 1000,
    };
    appendFileSync(out, JSON.stringify(row) + '\n');
    console.log(JSON.stringify(row));
    if (node1) await new Promise((res) => node1.on('exit', res));
  }
}
