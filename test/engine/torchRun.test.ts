// Training runs on the pytorch backend through the CLI, as a user starts them: one process,
// two under torchrun, two "nodes" on 127.0.0.1 (the second started by `supernet train-node`),
// a rank killed mid-run and the run resumed, a run moved between backends, and every
// setup failure told before any step with the run untouched. Needs /usr/bin/python3 with
// torch (Debian's python3-torch; CI installs it).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseEngineEvent, type EngineEvent, type StepEvent } from '#shared/protocol/engine';
import { readJsonLinesFile } from '#shared/runFolder/appendLog';
import { readTrainingCheckpoint } from '../../server/src/engine/train/checkpointHeader';
import { cli, eventsOf, microConfig, runCli, startCli } from './microRun';

const PYTHON = '/usr/bin/python3';
const env = { ...process.env, SUPERNET_PYTHON: PYTHON };

/** The micro space (seconds a run), a sandwich of three with distillation; `train` adds fields. */
const CONFIG = (train: string) =>
  microConfig({
    name: 'micro',
    task: '{ dataset: fashion-mnist, input: [28, 28, 1], classes: 10, validationSplit: 0.02 }',
    train: `batchSize: 16, optimizer: { type: sgd, lr: 0.05, momentum: 0.9 }, sampler: { type: sandwich, subnets: 3 }, distillation: true, seed: 3, ${train}`,
  });

const stepsOf = (events: EngineEvent[]) => events.filter((e): e is StepEvent => e.type === 'step');
const readEvents = (dir: string) =>
  readJsonLinesFile(path.join(dir, 'events.jsonl'), parseEngineEvent);

/** A run folder's shape: its files (relative, sizes left out) and its events' types and counts. */
function shapeOf(runDir: string): { files: string[]; events: Record<string, number> } {
  const files: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else files.push(r);
    }
  };
  walk(runDir, '');
  const events: Record<string, number> = {};
  for (const e of readEvents(runDir)) events[e.type] = (events[e.type] ?? 0) + 1;
  // Each run logs its own lines (backend, threads): counted, not compared.
  delete events.log;
  return { files: files.sort(), events };
}

/** Every file of a run folder (but its lock) with the SHA-256 of its bytes. */
function digest(runDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else if (!e.name.endsWith('.lock'))
        out[r] = createHash('sha256')
          .update(readFileSync(path.join(d, e.name)))
          .digest('hex');
    }
  };
  walk(runDir, '');
  return out;
}

/** Whether process `pid` is `ancestor` or below it (its parents, read from /proc). */
function descendsFrom(pid: number, ancestor: number): boolean {
  for (let p = pid; p > 1;) {
    if (p === ancestor) return true;
    const status = readFileSync(`/proc/${p}/status`, 'utf8');
    p = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  }
  return false;
}

/** runCli without blocking the event loop (a process this test started must be read meanwhile). */
function runCliAsync(args: string[], cwd: string, e: NodeJS.ProcessEnv) {
  return new Promise<ReturnType<typeof runCli>>((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: e });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (status) =>
      resolve({ status, stdout, stderr } as unknown as ReturnType<typeof runCli>),
    );
  });
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

function trained(r: ReturnType<typeof runCli>, what: string): EngineEvent[] {
  assert.equal(r.status, 0, `${what}: ${r.stderr}\n${r.stdout.slice(-2000)}`);
  return eventsOf(r.stdout);
}

const runDirOf = (events: EngineEvent[]) => {
  const start = events.find((e) => e.type === 'run-start');
  assert.ok(start && start.type === 'run-start');
  return start.runDir;
};

void describe('supernet train --backend pytorch', () => {
  let dir: string;
  const config = (name: string, train: string) => {
    const file = path.join(dir, `${name}.supernet.yaml`);
    writeFileSync(file, CONFIG(train));
    return file;
  };
  before(() => (dir = mkdtempSync(path.join(tmpdir(), 'supernet-torch-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  void test('one process, two under torchrun, two nodes on 127.0.0.1: same run folder, same steps within noise', async () => {
    const file = config('micro', 'steps: 12, checkpointEvery: 4');
    const runs = (n: string) => path.join(dir, `runs-${n}`);
    const one = trained(
      runCli(['train', file, '--backend', 'pytorch', '--runs', runs('one'), '--json'], dir, env),
      'one process',
    );
    const two = trained(
      runCli(
        [
          'train',
          file,
          '--backend',
          'pytorch',
          '--nproc-per-node',
          '2',
          '--runs',
          runs('two'),
          '--json',
        ],
        dir,
        env,
      ),
      'two processes',
    );
    const port = await freePort();
    const rdzv = `127.0.0.1:${port}`;
    const node1 = spawn(
      process.execPath,
      // Two "machines" on this one's cores: a core each, as two real ones would not share them.
      [cli, 'train-node', '--rdzv', rdzv, '--nnodes', '2', '--node-rank', '1', '--threads', '1'],
      { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let node1Out = '';
    node1.stdout.on('data', (d: Buffer) => (node1Out += d.toString()));
    node1.stderr.on('data', (d: Buffer) => (node1Out += d.toString()));
    const node1Exit = new Promise<number | null>((r) => node1.on('exit', (c) => r(c)));
    let nodes;
    try {
      nodes = trained(
        await runCliAsync(
          [
            'train',
            file,
            '--backend',
            'pytorch',
            '--nnodes',
            '2',
            '--rdzv',
            rdzv,
            '--threads',
            '1',
          ].concat(['--runs', runs('nodes'), '--json']),
          dir,
          env,
        ),
        'two nodes',
      );
    } finally {
      if (node1.exitCode === null) setTimeout(() => node1.kill('SIGKILL'), 30_000).unref();
    }
    assert.equal(await node1Exit, 0, `train-node: ${node1Out}`);
    assert.match(node1Out, /node 1 of 2: 1 process\(es\)/);
    const starts = [one, two, nodes].map((ev) => ev.find((e) => e.type === 'run-start')!);
    assert.deepEqual(
      starts.map((s) =>
        s.type === 'run-start'
          ? [s.backend, s.compute?.processes, s.compute?.nodes, s.compute?.device]
          : [],
      ),
      [
        ['pytorch', 1, 1, 'cpu'],
        ['pytorch', 2, 1, 'cpu'],
        ['pytorch', 2, 2, 'cpu'],
      ],
    );
    const ref = shapeOf(runDirOf(one));
    assert.ok(
      ref.files.includes('run.json') && ref.files.some((f) => f.includes('checkpoint')),
      ref.files.join(', '),
    );
    for (const ev of [two, nodes]) assert.deepEqual(shapeOf(runDirOf(ev)), ref);
    // Synchronised batch norm: the ranks' steps are the single process's, up to rounding.
    const losses = (ev: EngineEvent[]) => stepsOf(ev).flatMap((s) => s.losses.map((l) => l.loss));
    for (const ev of [two, nodes])
      losses(ev).forEach((l, i) =>
        assert.ok(
          Math.abs(l - losses(one)[i]) <= 1e-2 * Math.abs(losses(one)[i]),
          `step loss ${i}: ${l} against ${losses(one)[i]}`,
        ),
      );
  });

  void test('a rank killed mid-run ends the step with a clear error; the run resumes from its last checkpoint', async () => {
    const file = config('killed', 'steps: 400, checkpointEvery: 10');
    const runs = path.join(dir, 'runs-killed');
    const job = startCli(
      dir,
      ['train', file, '--backend', 'pytorch', '--nproc-per-node', '2', '--runs', runs],
      env,
    );
    await job.until(
      'a checkpoint after step 20',
      (e) => e.type === 'checkpoint' && e.step >= 20,
      120_000,
    );
    // torchrun's ranks run `python -u -m supernet_torch.compute`; the agent runs supernet_torch.launch.
    const ranks = spawnSync('pgrep', ['-f', 'supernet_torch.compute'], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .map(Number)
      .filter((pid) => pid > 0 && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('launch'))
      .filter((pid) => descendsFrom(pid, job.child.pid!));
    assert.equal(ranks.length, 2, `this run's two ranks: ${ranks.join(', ')}`);
    process.kill(ranks[ranks.length - 1], 'SIGKILL');
    const code = await job.exited;
    assert.notEqual(code, 0);
    const end = job.seen.find((e) => e.type === 'run-end');
    assert.ok(end && end.type === 'run-end' && end.status === 'failed', JSON.stringify(end));
    assert.match(end.message ?? '', /rank died or was killed.*resumable from its last checkpoint/s);
    const runDir = runDirOf(job.seen);
    const meta = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as {
      status: string;
      id: string;
    };
    assert.equal(meta.status, 'failed');
    const lastCheckpoint = Math.max(
      ...job.seen.flatMap((e) => (e.type === 'checkpoint' ? [e.step] : [])),
    );
    const resumed = trained(
      runCli(
        [
          'train',
          '--resume',
          meta.id,
          '--backend',
          'pytorch',
          '--nproc-per-node',
          '2',
          '--steps',
          String(lastCheckpoint + 10),
          '--runs',
          runs,
          '--json',
        ],
        dir,
        env,
      ),
      'resume',
    );
    const start = resumed.find((e) => e.type === 'run-start');
    assert.ok(start?.type === 'run-start' && start.resumedFromStep === lastCheckpoint);
    assert.equal(stepsOf(resumed)[0].step, lastCheckpoint + 1);
    assert.equal(
      resumed.find((e) => e.type === 'run-end')?.type === 'run-end' &&
        (resumed.find((e) => e.type === 'run-end') as { status: string }).status,
      'completed',
    );
  });

  void test('a run moves between backends: started on wasm, resumed on pytorch, resumed again on wasm', () => {
    const file = config('moved', 'steps: 8, checkpointEvery: 4');
    const runs = path.join(dir, 'runs-moved');
    const first = trained(
      runCli(['train', file, '--backend', 'wasm', '--runs', runs, '--json'], dir, env),
      'wasm',
    );
    const id = path.basename(runDirOf(first));
    const onTorch = trained(
      runCli(
        [
          'train',
          '--resume',
          id,
          '--backend',
          'pytorch',
          '--steps',
          '16',
          '--runs',
          runs,
          '--json',
        ],
        dir,
        env,
      ),
      'pytorch',
    );
    assert.equal(stepsOf(onTorch)[0].step, 9);
    const back = trained(
      runCli(
        ['train', '--resume', id, '--backend', 'wasm', '--steps', '24', '--runs', runs, '--json'],
        dir,
        env,
      ),
      'wasm again',
    );
    assert.equal(stepsOf(back).at(-1)!.step, 24);
    // The loss keeps falling across the moves: the weights and the optimizer travelled.
    const all = [...stepsOf(first), ...stepsOf(onTorch), ...stepsOf(back)].map(
      (s) => s.losses[0].loss,
    );
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(
      mean(all.slice(-6)) < mean(all.slice(0, 6)),
      `losses ${all.map((l) => l.toFixed(2)).join(' ')}`,
    );
  });

  void test('channel sorting on pytorch: the weights come back, are sorted by the engine, and go out again', () => {
    // Sorted at step 6 of 12 (before widths shrink); were the sorted weights not sent back,
    // the compute process would go on with channels in the old order, and the last
    // checkpoints would differ by whole permutations, not by rounding.
    const file = config(
      'sorted',
      'steps: 12, checkpointEvery: 6, progressiveShrinking: [0.25, 0.25, 0.5], channelSorting: { when: shrinking }',
    );
    const runs = path.join(dir, 'runs-sorted');
    const [onWasm, onTorch] = (['wasm', 'pytorch'] as const).map((backend) =>
      trained(
        runCli(['train', file, '--backend', backend, '--runs', runs, '--json'], dir, env),
        backend,
      ),
    );
    for (const ev of [onWasm, onTorch])
      assert.ok(
        ev.some((e) => e.type === 'log' && /step 6: expanded channels sorted/.test(e.message)),
      );
    const [a, b] = [onWasm, onTorch].map((ev) =>
      readTrainingCheckpoint(path.join(runDirOf(ev), 'checkpoint', 'checkpoint.bin')),
    );
    assert.equal(b.header.step, 12);
    const other = new Map(b.tensors.map((t) => [t.name, t.data]));
    for (const t of a.tensors) {
      // Weights only: slots, shifts (rounding-only gradients) and running statistics (set by each backend's own evaluation) aside.
      if (/^opt\.|\.(beta|mean|variance)$/.test(t.name)) continue;
      const u = other.get(t.name)!;
      let scale = 0;
      let worst = 0;
      t.data.forEach((v, i) => {
        scale = Math.max(scale, Math.abs(v));
        worst = Math.max(worst, Math.abs(v - u[i]));
      });
      assert.ok(
        worst <= 1e-2 * Math.max(scale, 1e-3),
        `${t.name}: ${worst} apart (scale ${scale})`,
      );
    }
  });

  void describe('setup failures: a clear message before any step, nothing of the run lost', () => {
    const fails = (args: string[], e: NodeJS.ProcessEnv, pattern: RegExp, runs: string) => {
      const r = runCli(['train', ...args, '--runs', runs], dir, e);
      assert.notEqual(r.status, 0);
      assert.match(r.stdout + r.stderr, pattern);
      assert.doesNotMatch(r.stdout, /step 1\//);
      return r;
    };
    void test('no Python', () => {
      const runs = path.join(dir, 'runs-none');
      fails(
        [config('a', 'steps: 4'), '--backend', 'pytorch'],
        { ...env, SUPERNET_PYTHON: path.join(dir, 'no-such-python') },
        /configured Python cannot run the pytorch backend.*not found.*supernet\.python/s,
        runs,
      );
      assert.equal(existsSync(runs) ? readdirSync(runs).length : 0, 0, 'no run folder');
    });
    void test('a Python without torch', () => {
      const bare = path.join(dir, 'python-without-torch');
      // The same interpreter with its site packages (torch among them) out of reach.
      writeFileSync(bare, `#!/bin/sh\nexec ${PYTHON} -S "$@"\n`);
      chmodSync(bare, 0o755);
      fails(
        [config('b', 'steps: 4'), '--backend', 'pytorch'],
        { ...env, SUPERNET_PYTHON: bare },
        /no torch.*apt install python3-torch/s,
        path.join(dir, 'runs-bare'),
      );
    });
    void test('few-shot training, which pytorch does not do yet', () => {
      const runs = path.join(dir, 'runs-fewshot');
      fails(
        [
          config('e', 'steps: 4, fewShot: { splits: 2, at: 0.5, criterion: random }'),
          '--backend',
          'pytorch',
        ],
        env,
        /train\.fewShot is not supported on the pytorch backend yet/,
        runs,
      );
      assert.equal(existsSync(runs) ? readdirSync(runs).length : 0, 0, 'no run folder');
    });
    void test('CUDA asked of a torch without it', () => {
      fails(
        [config('c', 'steps: 4'), '--backend', 'pytorch', '--device', 'cuda'],
        env,
        /CUDA was asked for.*(CPU-only build|sees no GPU)/s,
        path.join(dir, 'runs-cuda'),
      );
    });
    void test('a node that never comes to the rendezvous; a resumed run keeps its checkpoint and events', async () => {
      const runs = path.join(dir, 'runs-rdzv');
      const file = config('d', 'steps: 8, checkpointEvery: 4, pytorch: { rdzvTimeout: 5 }');
      const done = trained(
        runCli(['train', file, '--backend', 'pytorch', '--runs', runs, '--json'], dir, env),
        'first',
      );
      const runDir = runDirOf(done);
      const before = digest(runDir);
      const port = await freePort();
      fails(
        [
          '--resume',
          path.basename(runDir),
          '--steps',
          '16',
          '--backend',
          'pytorch',
          '--nnodes',
          '2',
          '--rdzv',
          `127.0.0.1:${port}`,
        ],
        env,
        /(ended before its ranks were up|did not meet).*127\.0\.0\.1/s,
        runs,
      );
      assert.deepEqual(digest(runDir), before, 'the run folder as it was, byte for byte');
    });
  });
});
