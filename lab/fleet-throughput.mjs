#!/usr/bin/env node
// Search throughput on a worker fleet against the local executor, on this machine:
// trains the tiny example briefly, starts redis-server on a free port, then for each
// fleet size runs the same search (same seed and budget, stored results forgotten first)
// with N `supernet worker` processes of one thread each, and once locally.
//
//   npm run build && node lab/fleet-throughput.mjs [--workers 1,2,4] [--budget 80]
//     [--repeats 2] [--json]
//
// Prints a table of wall time, the search's own time (search-start to search-end, without
// process start and loading) and evaluations per second over the latter (medians of the
// repeats), with the ratio to the local executor. Workers on one machine share its cores: on 2 cores
// more than 2 workers cannot add throughput; on N machines the fleet scales with them.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'bin', 'supernet.js');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const sizes = option('workers', '1,2,4').split(',').map(Number);
const budget = Number(option('budget', '80'));
const repeats = Number(option('repeats', '2'));
const asJson = process.argv.includes('--json');
const say = (s) => process.stderr.write(`${s}\n`);

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A `supernet … --json` process whose events are collected. */
function cliProcess(args, cwd) {
  const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const events = [];
  let partial = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s) => {
    const lines = (partial + s).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) {
      try {
        events.push(JSON.parse(l));
      } catch {
        // not an event
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (s) => (stderr += s));
  const exited = new Promise((r) => child.once('exit', (code) => r(code)));
  return { child, events, exited, stderr: () => stderr };
}

async function until(what, f, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (f()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const dir = mkdtempSync(path.join(tmpdir(), 'supernet-throughput-'));
let redis;
const workers = [];
try {
  const config = path.join(dir, 'tiny.supernet.yaml');
  writeFileSync(config, readFileSync(path.join(root, 'examples', 'tiny.supernet.yaml')));
  const runs = path.join(dir, 'runs');
  say('training the tiny example for 60 steps…');
  const t = spawnSync(process.execPath, [cli, 'train', config, '--steps', '60', '--runs', runs], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (t.status !== 0) throw new Error(`training failed: ${t.stderr}`);
  const trained = path.join(runs, readdirSync(runs)[0]);
  const id = path.basename(trained);

  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', ''], {
    stdio: 'ignore',
  });
  await until(
    'redis-server',
    () =>
      spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() ===
      'PONG',
    10_000,
  );
  const forget = () =>
    spawnSync('redis-cli', ['-p', String(port), 'flushall'], { encoding: 'utf8' });

  let copies = 0;
  /** One search of a fresh copy of the trained run; seconds from start to exit. */
  async function search(executor) {
    const to = path.join(dir, `copy-${++copies}`);
    cpSync(trained, path.join(to, id), { recursive: true });
    forget();
    const args = ['search', id, '--runs', to, '--budget', String(budget), '--seed', '1', '--json'];
    if (executor) args.push('--executor', executor);
    const t0 = performance.now();
    const p = cliProcess(args, dir);
    const code = await p.exited;
    const seconds = (performance.now() - t0) / 1000;
    if (code !== 0) throw new Error(`search failed (${code}): ${p.stderr()}`);
    const start = p.events.find((e) => e.type === 'search-start');
    const end = p.events.findLast((e) => e.type === 'search-end');
    // The search itself, without the process start and the checkpoint and data loading.
    const searchSeconds = start && end ? (end.time - start.time) / 1000 : seconds;
    return {
      seconds,
      searchSeconds,
      evaluations: end?.evaluations ?? 0,
      hypervolume: end?.hypervolume,
    };
  }

  const rows = [];
  const measure = async (label, executor, n) => {
    const runsOf = [];
    for (let r = 0; r < repeats; r++) runsOf.push(await search(executor));
    const seconds = median(runsOf.map((x) => x.seconds));
    const searchSeconds = median(runsOf.map((x) => x.searchSeconds));
    const row = {
      executor: label,
      workers: n,
      seconds,
      searchSeconds,
      evaluationsPerSec: runsOf[0].evaluations / searchSeconds,
      hypervolume: runsOf[0].hypervolume,
      repeats: runsOf.map((x) => Number(x.seconds.toFixed(2))),
    };
    rows.push(row);
    say(`${label}: ${seconds.toFixed(1)} s wall, ${row.evaluationsPerSec.toFixed(2)} evals/s`);
  };

  await measure('local', undefined, 0);
  for (const n of sizes) {
    while (workers.length < n) {
      const w = cliProcess(
        ['worker', '--queue', url, '--name', `w${workers.length + 1}`, '--threads', '1', '--json'],
        dir,
      );
      workers.push(w);
      await until(
        'a worker to connect',
        () => w.events.some((e) => e.state === 'connected'),
        60_000,
      );
    }
    await measure(`queue, ${n} worker(s)`, url, n);
  }

  const local = rows[0].evaluationsPerSec;
  const result = {
    machine: { cores: cpus().length, load: loadavg().map((x) => Number(x.toFixed(2))) },
    budget,
    repeats,
    rows: rows.map((r) => ({
      ...r,
      speedupVsLocal: Number((r.evaluationsPerSec / local).toFixed(2)),
    })),
  };
  if (asJson) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    console.log(`budget ${budget}, ${cpus().length} cores, load ${result.machine.load.join(' ')}`);
    console.log('| executor | wall s | search s | evals/s | vs local | hypervolume |');
    console.log('|---|---|---|---|---|---|');
    for (const r of result.rows)
      console.log(
        `| ${r.executor} | ${r.seconds.toFixed(1)} | ${r.searchSeconds.toFixed(1)} | ${r.evaluationsPerSec.toFixed(2)} | ${r.speedupVsLocal}× | ${r.hypervolume?.toPrecision(6)} |`,
      );
  }
} finally {
  for (const w of workers) w.child.kill('SIGINT');
  await Promise.all(workers.map((w) => Promise.race([w.exited, sleep(15_000)])));
  redis?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
