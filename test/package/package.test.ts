// What a user installs: the platform .vsix that `npm run package` builds. Its file list is
// checked (vsce ls, not the ignore rules), and its CLI is run from the unpacked package in
// an empty folder with no node_modules anywhere above it: the runtime must be inside. The
// pytorch backend's run needs /usr/bin/python3 with torch (Debian's python3-torch; CI
// installs it), or SUPERNET_PYTHON naming another.
import test, { before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import sharp from 'sharp';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseEngineEvent, type RunStartEvent } from '#shared/protocol/engine';
import { readJsonLinesFile } from '#shared/runFolder/appendLog';
import { ensureVsix, ROOT, TARGET, vsixFiles } from './vsix';

/** Two classes of 12 RGB PNGs each: red and blue squares. */
async function writeImageFolder(dir: string): Promise<void> {
  for (const [c, colour] of [
    ['red', { r: 220, g: 30, b: 30 }],
    ['blue', { r: 30, g: 30, b: 220 }],
  ] as const) {
    mkdirSync(path.join(dir, c), { recursive: true });
    for (let i = 0; i < 12; i++)
      await sharp({ create: { width: 20, height: 20, channels: 3, background: colour } })
        .png()
        .toFile(path.join(dir, c, `${i}.png`));
  }
}

const IMAGE_CONFIG = `name: imgs
task: { dataset: folder, path: ./imgs, input: [16, 16, 3], classes: 2, validationSplit: 0.25 }
space:
  stem: { width: 8, kernel: 3, stride: 2 }
  stages:
    - { depth: [1], width: [8], kernel: [3], expand: [1], stride: 2 }
  head: { width: 8 }
train: { steps: 2, batchSize: 4 }
search: { bnRecalibrationBatches: 1, constraints: [] }
`;

/** The onnxruntime-node binary folder of each target, to check that only ours ships. */
const ORT_FOLDERS = [
  'linux/x64',
  'linux/arm64',
  'darwin/arm64',
  'darwin/x64',
  'win32/x64',
  'win32/arm64',
];
const ours = TARGET.replace('-', '/');

/** The pytorch backend's Python sources, as the repository has them: every one must ship. */
const PYTHON_SOURCES = readdirSync(path.join(ROOT, 'python', 'supernet_torch'))
  .filter((f) => f.endsWith('.py'))
  .map((f) => `python/supernet_torch/${f}`);
/** The interpreter with torch that the pytorch run uses. */
const PYTHON = process.env.SUPERNET_PYTHON ?? '/usr/bin/python3';
const TORCH_STEPS = 12;

/** The .vsix unpacked into `dir`/pkg; the path of its extension folder. */
function unpack(vsix: string, dir: string): string {
  // python3's zipfile: a .vsix is a zip, and python3 is on every machine this runs on.
  const unzip = spawnSync('python3', ['-m', 'zipfile', '-e', vsix, path.join(dir, 'pkg')]);
  assert.equal(unzip.status, 0, String(unzip.stderr));
  return path.join(dir, 'pkg', 'extension');
}

void describe(`the ${TARGET} package`, () => {
  let vsix = '';
  let files: string[] = [];
  before(() => {
    vsix = ensureVsix();
    files = vsixFiles();
  });

  void test('holds the bundles, the runtime the engine loads, and the assets', () => {
    const required = [
      'package.json',
      'bin/supernet.js',
      ...['client', 'server', 'cli', 'engine', 'stepThread', 'evalThread', 'tfjs-gradients'].map(
        (b) => `dist/${b}.js`,
      ),
      'node_modules/@tensorflow/tfjs-core/dist/tf-core.node.js',
      'node_modules/@tensorflow/tfjs-backend-cpu/dist/tf-backend-cpu.node.js',
      'node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.node.js',
      'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
      `node_modules/onnxruntime-node/bin/napi-v6/${ours}/onnxruntime_binding.node`,
      'node_modules/onnxruntime-common/dist/cjs/index.js',
      'media/dist/dashboard.js',
      'media/dist/dashboard.css',
      'media/icon.png',
      'schemas/supernet.schema.json',
      'syntaxes/supernet.tmLanguage.json',
      'examples/tiny.supernet.yaml',
      'examples/starter.supernet.yaml',
      'data/fashion-mnist-subset/t10k-images-idx3-ubyte.gz',
      'node_modules/sharp/dist/index.cjs',
      ...PYTHON_SOURCES,
    ];
    assert.ok(PYTHON_SOURCES.includes('python/supernet_torch/compute.py'), 'no Python sources');
    for (const f of required) assert.ok(files.includes(f), `the package lacks ${f}`);
  });

  void test('holds no sources, maps, tests, dev tools or other platforms’ binaries', () => {
    const forbidden: [RegExp, string][] = [
      [/^media\/src\//, 'the webview sources'],
      [/\.map$/, 'source maps'],
      [/^(test|out|scripts|client|server|shared)\//, 'sources or tests'],
      [/\.ts$/, 'TypeScript'],
      [/(^|\/)__pycache__\/|\.pyc$/, "Python's bytecode cache"],
      [
        /^node_modules\/(typescript|esbuild|eslint|prettier|@vscode\/vsce|dependency-cruiser)\//,
        'dev tools',
      ],
      [
        /tfjs-core\/dist\/(ops|gradients|kernels)\//,
        "tfjs-core's ES modules (the gradient bundle has them)",
      ],
    ];
    for (const f of files)
      for (const [re, what] of forbidden) assert.ok(!re.test(f), `${f}: ${what} must not ship`);
    for (const other of ORT_FOLDERS.filter((o) => o !== ours))
      assert.ok(
        !files.some((f) => f.includes(`/bin/napi-v6/${other}/`)),
        `${other} binaries must not ship in the ${TARGET} package`,
      );
    const mb = statSync(vsix).size / 2 ** 20;
    assert.ok(mb < 50, `${path.basename(vsix)} is ${mb.toFixed(1)} MB`);
  });

  void test('ships no package that only installs: every package in it has code it loads', () => {
    // node_modules/<name> or node_modules/@scope/<name> (also nested), with its files.
    const byPackage = new Map<string, string[]>();
    for (const f of files) {
      const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\/(.+)$/.exec(f);
      if (m) byPackage.set(m[1], [...(byPackage.get(m[1]) ?? []), m[2]]);
    }
    const manifestOnly = [...byPackage].filter(([, fs]) => fs.every((f) => f === 'package.json'));
    assert.deepEqual(
      manifestOnly.map(([p]) => p),
      [],
      'packages shipped as a package.json alone',
    );
    for (const p of byPackage.keys())
      assert.doesNotMatch(p, /\/(@types|@webgpu|adm-zip|global-agent)(\/|$)/, `${p} must not ship`);
    // No shipped manifest names a dependency that is not shipped (npm would call it missing).
    const root = mkdtempSync(path.join(tmpdir(), 'supernet-vsix-deps-'));
    try {
      const unzip = spawnSync('python3', ['-m', 'zipfile', '-e', vsix, root]);
      assert.equal(unzip.status, 0, String(unzip.stderr));
      const ext = path.join(root, 'extension');
      for (const p of byPackage.keys()) {
        const deps = Object.keys(
          (
            JSON.parse(readFileSync(path.join(ext, p, 'package.json'), 'utf8')) as {
              dependencies?: Record<string, string>;
            }
          ).dependencies ?? {},
        );
        for (const d of deps)
          assert.ok(
            [...byPackage.keys()].some((q) => q.endsWith(`node_modules/${d}`)),
            `${p} names ${d}, which does not ship`,
          );
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  void test('its CLI validates, trains, searches and exports from an empty folder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'supernet-vsix-'));
    try {
      for (let d = dir; d !== path.dirname(d); d = path.dirname(d))
        assert.ok(!existsSync(path.join(d, 'node_modules')), `${d} has a node_modules`);
      const cli = path.join(unpack(vsix, dir), 'bin', 'supernet.js');
      copyFileSync(
        path.join(ROOT, 'examples', 'tiny.supernet.yaml'),
        path.join(dir, 'tiny.supernet.yaml'),
      );
      const run = (...args: string[]) => {
        const r = spawnSync(process.execPath, [cli, ...args], {
          cwd: dir,
          encoding: 'utf8',
          timeout: 180_000,
        });
        assert.equal(r.status, 0, `supernet ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
        return r.stdout;
      };
      assert.match(run('version'), /backend: (wasm|tensorflow)/);
      run('validate', 'tiny.supernet.yaml');
      run('train', 'tiny.supernet.yaml', '--steps', '5');
      const end = run('search', 'tiny.supernet.yaml', '--budget', '4', '--json')
        .trim()
        .split('\n')
        .at(-1);
      const front = (JSON.parse(end ?? '{}') as { front?: { key: string }[] }).front ?? [];
      assert.ok(front.length > 0, `the search found no front: ${end}`);
      const file = run('export', 'tiny.supernet.yaml', front[0].key).trim();
      assert.ok(
        file.endsWith(`${front[0].key}.onnx`) && existsSync(file) && existsSync(`${file}.json`),
        file,
      );
      // An image folder: the package's own sharp decodes it.
      await writeImageFolder(path.join(dir, 'imgs'));
      writeFileSync(path.join(dir, 'imgs.supernet.yaml'), IMAGE_CONFIG);
      run('validate', 'imgs.supernet.yaml');
      run('train', 'imgs.supernet.yaml', '--steps', '2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void test(`its CLI trains ${TORCH_STEPS} steps on the pytorch backend with the package's own Python files`, () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'supernet-vsix-torch-'));
    try {
      const ext = unpack(vsix, dir);
      copyFileSync(
        path.join(ROOT, 'examples', 'tiny.supernet.yaml'),
        path.join(dir, 'tiny.supernet.yaml'),
      );
      const runs = path.join(dir, 'runs');
      // Nothing points Python at the repository's copy: the engine finds the package's.
      const env: NodeJS.ProcessEnv = { ...process.env, SUPERNET_PYTHON: PYTHON };
      for (const k of ['PYTHONPATH', 'PYTHONDONTWRITEBYTECODE', 'PYTHONPYCACHEPREFIX'])
        delete env[k];
      const args = ['train', 'tiny.supernet.yaml', '--backend', 'pytorch'];
      const r = spawnSync(
        process.execPath,
        [
          path.join(ext, 'bin', 'supernet.js'),
          ...args,
          '--steps',
          `${TORCH_STEPS}`,
          '--runs',
          runs,
        ],
        { cwd: dir, env, encoding: 'utf8', timeout: 180_000 },
      );
      assert.equal(r.status, 0, `supernet ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
      const [id] = readdirSync(runs);
      const meta = JSON.parse(readFileSync(path.join(runs, id, 'run.json'), 'utf8')) as {
        status?: string;
        backend?: string;
        step?: number;
      };
      assert.deepEqual(
        { status: meta.status, backend: meta.backend, step: meta.step },
        { status: 'completed', backend: 'pytorch', step: TORCH_STEPS },
        `run.json: ${JSON.stringify(meta)}`,
      );
      const start = readJsonLinesFile(path.join(runs, id, 'events.jsonl'), parseEngineEvent).find(
        (e): e is RunStartEvent => e.type === 'run-start',
      );
      assert.equal(start?.backend, 'pytorch');
      assert.match(start?.compute?.torch ?? '', /^\d+\.\d+/, JSON.stringify(start?.compute));
      assert.equal(start?.compute?.device, 'cpu');
      // The compute process imported the package's modules (Python cached their bytecode there).
      assert.ok(
        existsSync(path.join(ext, 'python', 'supernet_torch', '__pycache__')),
        "the compute process did not load the package's python/supernet_torch",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
