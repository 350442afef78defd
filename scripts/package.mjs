// Builds the platform packages a user installs: one .vsix per target with the bundles and
// the runtime the engine loads (tfjs with the wasm backend's .wasm files, onnxruntime-node
// with that platform's binaries only, the pytorch backend's Python sources), so that Train,
// Search and Export work from the package alone.
//
//   npm run package                        every target whose onnxruntime binaries exist
//   npm run package -- --target linux-x64  one target (repeatable)
//   npm run package -- --ls                also print `vsce ls` of each package
//   npm run package -- --no-build          use dist/ as it is
//
// Each target gets a staging folder (.package/stage-<target>/) holding exactly what ships:
// the files below, a package.json whose dependencies are the runtime packages, and a
// node_modules with their closure, pruned to the files they load. vsce then packages the
// stage with its npm dependency detection, offline. The .vsix files land in .package/.
import { execFileSync, spawnSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, '.package');
const ORT_BIN = path.join(ROOT, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');

/** vsce targets and the onnxruntime-node binary folder each needs. */
const TARGETS = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-arm64': 'darwin/arm64',
  'darwin-x64': 'darwin/x64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
};

/** What the extension ships besides node_modules: globs relative to the repository. */
const SHIPPED = [
  'package.json',
  'README.md',
  'LICENSE',
  'language-configuration.json',
  'bin/supernet.js',
  'dist/{client,server,cli,engine,stepThread,evalThread,tfjs-gradients}.js',
  // The pytorch backend's compute process; the engine finds it beside dist/ (not __pycache__).
  'python/supernet_torch/*.py',
  'media/dist/*.{js,css}',
  'media/walkthrough/*.md',
  'media/{icon.png,supernet.svg}',
  'schemas/*.json',
  'syntaxes/*.json',
  'examples/*.yaml',
  'data/fashion-mnist-subset/**',
  'data/ranking/*.truth.json',
];

/** The packages the bundles leave external (scripts/build.mjs) and load at run time. */
const RUNTIME = [
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-wasm',
  'onnxruntime-node',
  'sharp',
];

/**
 * sharp's binary for a target: its native packages when this machine has them (npm installs
 * the host's only), else the WebAssembly build, which sharp falls back to on any platform.
 */
function sharpBinaries(target) {
  const img = path.join(ROOT, 'node_modules', '@img');
  const native = readdirSync(img).filter(
    (n) => n === `sharp-${target}` || n === `sharp-libvips-${target}`,
  );
  return (native.length ? native : ['sharp-wasm32']).map((n) => `@img/${n}`);
}

/**
 * The files of each package that run time needs (globs relative to the package; `{bin}`
 * is the target's onnxruntime binary folder). A dependency that is not named here is one
 * nothing loads at run time (type declarations; onnxruntime-node's install-time downloader,
 * adm-zip and global-agent, with theirs): it does not ship, and the shipped package.json of
 * the package that names it no longer does, so that vsce's npm check still passes.
 */
const KEEP = {
  '@tensorflow/tfjs-core': ['package.json', 'LICENSE', 'dist/tf-core.node.js'],
  '@tensorflow/tfjs-backend-cpu': ['package.json', 'LICENSE', 'dist/tf-backend-cpu.node.js'],
  '@tensorflow/tfjs-backend-wasm': [
    'package.json',
    'LICENSE',
    'dist/tf-backend-wasm.node.js',
    'dist/*.wasm',
  ],
  'onnxruntime-node': ['package.json', 'LICENSE', 'dist/*.js', 'bin/napi-v6/{bin}/*'],
  'onnxruntime-common': ['package.json', 'LICENSE', 'dist/cjs/**/*.js', 'dist/cjs/package.json'],
  seedrandom: ['package.json', 'LICENSE', 'index.js', 'seedrandom.js', 'lib/*.js'],
  long: ['package.json', 'LICENSE', 'index.js', 'dist/long.js'],
  'node-fetch': ['package.json', 'LICENSE.md', 'lib/index.js'],
  'whatwg-url': ['package.json', 'LICENSE.txt', 'lib/*.js'],
  tr46: ['package.json', 'index.js', 'lib/*.json'],
  'webidl-conversions': ['package.json', 'LICENSE.md', 'lib/*.js'],
  sharp: ['package.json', 'LICENSE', 'dist/*.cjs'],
  '@img/colour': ['package.json', 'LICENSE.md', '*.cjs'],
  'detect-libc': ['package.json', 'LICENSE', 'lib/*.js'],
  semver: ['package.json', 'LICENSE', '**/*.js'],
  '@img/sharp-{target}': ['package.json', 'LICENSE', 'index.cjs', 'lib/*.node', 'lib/*.dll'],
  '@img/sharp-libvips-{target}': ['package.json', 'versions.json', 'lib/**'],
  '@img/sharp-wasm32': ['package.json', 'LICENSE', 'index.cjs', 'versions.json', 'lib/*'],
  '@emnapi/runtime': ['package.json', 'LICENSE', 'index.js', 'dist/emnapi.cjs.js'],
  tslib: ['package.json', 'LICENSE.txt', 'tslib.js'],
};

/**
 * Pure-JavaScript packages of many small files, shipped as one esbuild bundle of their
 * entry (at the same path, so that resolution is unchanged): a package of a hundred loose
 * .js files is slow to load, and vsce rightly warns about it.
 */
const BUNDLED = {
  semver: 'index.js',
  'onnxruntime-common': 'dist/cjs/index.js',
};

function bundlePackage(from, to, entry) {
  mkdirSync(path.dirname(path.join(to, entry)), { recursive: true });
  // Every package.json from the package's root to the entry's folder: a nested one may set
  // the module type of the files below it (onnxruntime-common's dist/cjs is CommonJS).
  for (let d = path.dirname(entry); ; d = path.dirname(d)) {
    const pj = path.join(d === '.' ? '' : d, 'package.json');
    if (existsSync(path.join(from, pj))) copyFileSync(path.join(from, pj), path.join(to, pj));
    if (d === '.') break;
  }
  buildSync({
    entryPoints: [path.join(from, entry)],
    outfile: path.join(to, entry),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
}

function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '{') {
      const end = glob.indexOf('}', i);
      re += `(?:${glob
        .slice(i + 1, end)
        .split(',')
        .map(escape)
        .join('|')})`;
      i = end;
    } else re += escape(c);
  }
  return new RegExp(`^${re}$`);
}
function escape(s) {
  return s.replace(/[.+?^$()|[\]\\]/g, '\\$&');
}

function filesUnder(dir, rel = '') {
  const out = [];
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') out.push(...filesUnder(dir, r));
    } else out.push(r);
  }
  return out;
}

function copyMatching(fromDir, toDir, globs) {
  const patterns = globs.map(globToRegExp);
  let n = 0;
  for (const f of filesUnder(fromDir)) {
    if (!patterns.some((p) => p.test(f))) continue;
    mkdirSync(path.dirname(path.join(toDir, f)), { recursive: true });
    copyFileSync(path.join(fromDir, f), path.join(toDir, f));
    n++;
  }
  return n;
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Node's resolution of a dependency's folder from the folder of the package that needs it. */
function resolvePackage(name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === ROOT || dir === path.dirname(dir)) break;
  }
  throw new Error(`package ${name} (needed from ${path.relative(ROOT, fromDir)}) is not installed`);
}

const genericName = (name, target) => name.replace(target, '{target}');
const ships = (name, target) =>
  Boolean(BUNDLED[name] ?? KEEP[name] ?? KEEP[genericName(name, target)]);

/**
 * The runtime packages and what they load of their dependencies, as folders under
 * node_modules (folder → name), and per folder the dependencies left out (never loaded).
 */
function runtimeClosure(target) {
  const seen = new Map();
  const dropped = new Map();
  const visit = (name, fromDir) => {
    const dir = resolvePackage(name, fromDir);
    if (seen.has(dir)) return;
    seen.set(dir, name);
    for (const dep of Object.keys(readJson(path.join(dir, 'package.json')).dependencies ?? {})) {
      if (ships(dep, target)) visit(dep, dir);
      else dropped.set(dir, [...(dropped.get(dir) ?? []), dep]);
    }
  };
  for (const name of [...RUNTIME, ...sharpBinaries(target)]) visit(name, ROOT);
  return { packages: seen, dropped };
}

/** A shipped package's manifest without the dependencies that do not ship. */
function pruneManifest(file, leftOut) {
  const pkg = readJson(file);
  for (const dep of leftOut) delete pkg.dependencies[dep];
  writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
}

/** The stage's package.json: the manifest, with the runtime packages as its dependencies. */
function stageManifest(target) {
  const pkg = readJson(path.join(ROOT, 'package.json'));
  for (const k of ['devDependencies', 'optionalDependencies', 'scripts', 'allowScripts', 'imports'])
    delete pkg[k];
  pkg.dependencies = Object.fromEntries(
    [...RUNTIME, ...sharpBinaries(target)].map((name) => [
      name,
      readJson(path.join(ROOT, 'node_modules', name, 'package.json')).version,
    ]),
  );
  return pkg;
}

function stage(target) {
  const dir = path.join(OUT, `stage-${target}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyMatching(ROOT, dir, SHIPPED);
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify(stageManifest(target), null, 2) + '\n',
  );
  // Everything in the stage ships; the list is checked with `vsce ls` (tests do).
  writeFileSync(path.join(dir, '.vscodeignore'), '.vscodeignore\n');
  const { packages, dropped } = runtimeClosure(target);
  for (const [from, name] of packages) {
    const to = path.join(dir, path.relative(ROOT, from));
    if (BUNDLED[name]) bundlePackage(from, to, BUNDLED[name]);
    else {
      const keep = (KEEP[name] ?? KEEP[genericName(name, target)] ?? []).map((g) =>
        g.replace('{bin}', TARGETS[target]),
      );
      copyMatching(from, to, keep);
    }
    if (dropped.has(from)) pruneManifest(path.join(to, 'package.json'), dropped.get(from));
  }
  return dir;
}

/** vsce's output, stdout and stderr together (its warnings go to stderr). */
function vsce(args, cwd) {
  const bin = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vsce ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return { stdout: r.stdout, all: `${r.stdout}\n${r.stderr}` };
}

function main() {
  const args = process.argv.slice(2);
  const wanted = args.flatMap((a, i) => (a === '--target' ? [args[i + 1]] : []));
  const available = Object.keys(TARGETS).filter((t) => existsSync(path.join(ORT_BIN, TARGETS[t])));
  const targets = wanted.length ? wanted : available;
  for (const t of targets)
    if (!available.includes(t))
      throw new Error(
        `no onnxruntime-node binaries for ${t}: targets here are ${available.join(', ')}`,
      );
  if (!args.includes('--no-build'))
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const version = readJson(path.join(ROOT, 'package.json')).version;
  mkdirSync(OUT, { recursive: true });
  for (const t of targets) {
    const dir = stage(t);
    const vsix = path.join(OUT, `supernet-studio-${t}-${version}.vsix`);
    const log = vsce(['package', '--target', t, '--out', vsix], dir).all;
    const warnings = log.split('\n').filter((l) => /WARNING/i.test(l));
    if (warnings.length)
      throw new Error(`vsce warned while packaging ${t}:\n${warnings.join('\n')}`);
    const files = vsce(['ls'], dir).stdout.trim().split('\n');
    const mb = (statSync(vsix).size / 2 ** 20).toFixed(1);
    console.log(`${path.relative(ROOT, vsix)}  ${mb} MB  ${files.length} files`);
    if (args.includes('--ls')) for (const f of files) console.log(`  ${f}`);
  }
}

main();
