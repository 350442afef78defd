// Fault injection: the README's promises under interruption, concurrent writers, full disks,
// corrupt state, huge configs and hostile export targets. Each case drives the real CLI and
// engine processes on a micro config and checks what is on disk afterwards.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  copyFileSync,
  existsSync,
  openSync,
  readSync,
  statSync,
  writeSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseEngineEvent, type EngineEvent } from '#shared/protocol/engine';
import { readJsonLinesFile } from '#shared/runFolder/appendLog';
import { RunPaths } from '#shared/runFolder/layout';
import { processAlive } from '#shared/runFolder/runLock';
import { readRunSummary, settleInterrupted } from '#shared/runs/readRuns';
import { parseCandidate } from '#shared/runFolder/records';
import { readRunFolder } from '../../client/src/dashboard/runFolderReader';
import { readRunRanking } from '../../client/src/tree/runRanking';
import { microConfig, runCli, startCli } from './microRun';
import { changedFiles, editCheckpointHeader, fingerprint } from './runFileTools';
import { readCheckpoint } from '../../server/src/engine/storage/checkpoint';
import type { CheckpointHeader } from '../../server/src/engine/train/trainer';

/** Milliseconds a step: enough steps that an interruption lands mid-run. */
const config = (steps: number, every = 5) =>
  microConfig({
    name: 'faults',
    train: `steps: ${steps}, batchSize: 8, checkpointEvery: ${every}, seed: 5, sampler: { type: sandwich, subnets: 3 }`,
  });

const events = (runDir: string): EngineEvent[] =>
  readJsonLinesFile(new RunPaths(runDir).eventsFile, parseEngineEvent);
const checkpointStep = (runDir: string): number =>
  readCheckpoint<CheckpointHeader>(new RunPaths(runDir).checkpointFile).header.step;
const meta = (runDir: string) =>
  JSON.parse(readFileSync(new RunPaths(runDir).metaFile, 'utf8')) as { status: string };

/** The CLI training a config in its own process group (as a terminal runs it), with its events. */
const startTraining = (cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
  startCli(cwd, ['train', ...args], env);

/** The engine process a CLI started (its only child). */
function engineOf(cli: ChildProcess): number {
  const pids = spawnSync('pgrep', ['-P', String(cli.pid)], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .filter(Boolean);
  assert.equal(pids.length, 1, `the CLI has ${pids.length} children`);
  return Number(pids[0]);
}

async function gone(pid: number, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (processAlive(pid)) {
    if (Date.now() - t0 > ms) throw new Error(`process ${pid} still runs after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const runStartOf = (seen: EngineEvent[]) => {
  const s = seen.find((e) => e.type === 'run-start');
  assert.ok(s?.type === 'run-start');
  return s;
};

void describe('faults', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-faults-'));
    writeFileSync(path.join(dir, 'long.supernet.yaml'), config(100_000));
    writeFileSync(path.join(dir, 'short.supernet.yaml'), config(12, 4));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  void test('Ctrl-C to the process group: exit 130, a checkpoint at the stop step, cancelled', async () => {
    const t = startTraining(dir, ['long.supernet.yaml', '--runs', 'runs-int']);
    await t.until('step 8', (e) => e.type === 'step' && e.step >= 8);
    process.kill(-t.child.pid!, 'SIGINT'); // what a terminal sends to the foreground group
    assert.equal(await t.exited, 130, t.stderr());
    const { runDir } = runStartOf(t.seen);
    const end = events(runDir).at(-1);
    assert.ok(end?.type === 'run-end' && end.status === 'cancelled', JSON.stringify(end));
    assert.equal(checkpointStep(runDir), end.step);
    assert.equal(meta(runDir).status, 'cancelled');
    assert.ok(!existsSync(new RunPaths(runDir).lockFile), 'the lock is released');
  });

  void test('the driver killed: the engine checkpoints, ends the run and exits', async () => {
    const t = startTraining(dir, ['long.supernet.yaml', '--runs', 'runs-driver']);
    await t.until('step 8', (e) => e.type === 'step' && e.step >= 8);
    const engine = engineOf(t.child);
    const { runDir } = runStartOf(t.seen);
    t.child.kill('SIGKILL');
    await gone(engine);
    const end = events(runDir).at(-1);
    assert.ok(end?.type === 'run-end' && end.status === 'cancelled', JSON.stringify(end));
    assert.equal(checkpointStep(runDir), end.step);
    assert.equal(meta(runDir).status, 'cancelled');
    assert.equal((await readRunSummary(runDir))?.status, 'cancelled');
  });

  void test('SIGKILL of the engine: the run shows as interrupted, and resumes', async () => {
    const t = startTraining(dir, ['short.supernet.yaml', '--runs', 'runs-kill']);
    await t.until('a checkpoint', (e) => e.type === 'checkpoint');
    const engine = engineOf(t.child);
    const { runDir, runId } = runStartOf(t.seen);
    process.kill(-t.child.pid!, 'SIGKILL');
    process.kill(engine, 'SIGKILL');
    await gone(engine);
    assert.equal((await readRunSummary(runDir))?.status, 'interrupted');
    const r = runCli(['train', '--resume', runId, '--runs', 'runs-kill'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /took over the lock of process \d+, which is gone/);
    assert.equal((await readRunSummary(runDir))?.status, 'completed');
    const temps = readdirSync(path.join(runDir, 'checkpoint')).filter((n) => n.endsWith('.tmp'));
    assert.deepEqual(temps, []);
  });

  void test('two resumes at once: the second is refused, naming the lock holder', async () => {
    const t = startTraining(dir, ['long.supernet.yaml', '--runs', 'runs-twice']);
    await t.until('step 6', (e) => e.type === 'step' && e.step >= 6);
    const { runId } = runStartOf(t.seen);
    const engine = engineOf(t.child);
    const r = runCli(['train', '--resume', runId, '--runs', 'runs-twice'], dir);
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `is being written by process ${engine} on .* \\(train since .*\\): one writer per run`,
      ),
    );
    process.kill(-t.child.pid!, 'SIGINT');
    assert.equal(await t.exited, 130);
  });

  void test('resuming a completed run refuses; --steps beyond its total extends it, and says so', () => {
    const first = runCli(['train', 'short.supernet.yaml', '--runs', 'runs-done', '--json'], dir);
    assert.equal(first.status, 0, first.stderr);
    const runId = readdirSync(path.join(dir, 'runs-done'))[0];
    const runDir = path.join(dir, 'runs-done', runId);
    const created = readFileSync(new RunPaths(runDir).metaFile, 'utf8');
    const refused = runCli(['train', '--resume', runId, '--runs', 'runs-done'], dir);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /is complete \(step 12 of 12\): nothing to resume.*--steps/);
    assert.equal(readFileSync(new RunPaths(runDir).metaFile, 'utf8'), created, 'nothing changed');
    const more = runCli(['train', '--resume', runId, '--runs', 'runs-done', '--steps', '16'], dir);
    assert.equal(more.status, 0, more.stderr);
    assert.match(more.stderr, /extending the completed run from 12 to 16 steps/);
    assert.equal(checkpointStep(runDir), 16);
    assert.equal(
      JSON.parse(readFileSync(new RunPaths(runDir).metaFile, 'utf8')).created,
      JSON.parse(created).created,
    );
  });

  void test('a disk that fills during the final checkpoint: the run fails, the last checkpoint survives', async () => {
    const disk = path.join(dir, 'small-disk');
    mkdirSync(disk);
    const flag = path.join(dir, 'disk-full.flag');
    const mounted =
      spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', disk]).status === 0;
    try {
      copyFileSync(path.join(dir, 'long.supernet.yaml'), path.join(disk, 'long.supernet.yaml'));
      const env = mounted ? process.env : { ...process.env, SUPERNET_FAULT_DISK_FULL_FLAG: flag };
      const t = startTraining(disk, ['long.supernet.yaml', '--runs', 'runs'], env);
      await t.until('a checkpoint', (e) => e.type === 'checkpoint' && e.step >= 5);
      const { runDir } = runStartOf(t.seen);
      // Room for a few lines and run.json, not for a checkpoint.
      const room = 4096;
      if (mounted) {
        // Paused while the disk is measured and filled: a checkpoint written in between would
        // take the space the filler was sized for (its temporary file beside the old one).
        process.kill(-t.child.pid!, 'SIGSTOP');
        try {
          const s = statfsSync(disk);
          writeFileSync(
            path.join(disk, 'filler'),
            Buffer.alloc(Math.max(0, s.bavail * s.bsize - room)),
          );
        } finally {
          process.kill(-t.child.pid!, 'SIGCONT');
        }
      } else writeFileSync(flag, String(room));
      // The disk is full now: no later checkpoint can replace this one.
      const before = readFileSync(new RunPaths(runDir).checkpointFile);
      process.kill(-t.child.pid!, 'SIGINT');
      assert.equal(await t.exited, 1, t.stderr());
      const end = t.seen.find((e) => e.type === 'run-end');
      assert.ok(end?.type === 'run-end' && end.status === 'failed', JSON.stringify(end));
      assert.match(
        end.message ?? '',
        /Could not write the checkpoint .*checkpoint\.bin.*(no space|ENOSPC)/,
      );
      assert.ok(
        readFileSync(new RunPaths(runDir).checkpointFile).equals(before),
        'the last good checkpoint is intact',
      );
      assert.ok(checkpointStep(runDir) >= 5, 'and it still reads');
      const status = (await readRunSummary(runDir))?.status;
      assert.ok(status === 'failed' || status === 'interrupted', `status ${status}`);
      assert.deepEqual(
        readdirSync(path.dirname(new RunPaths(runDir).checkpointFile)).filter((n) =>
          n.endsWith('.tmp'),
        ),
        [],
      );
    } finally {
      if (mounted) spawnSync('umount', [disk]);
    }
  });

  void test('a flipped byte in a checkpoint is caught by its checksum; the history is kept', () => {
    const r = runCli(['train', 'short.supernet.yaml', '--runs', 'runs-flip', '--steps', '8'], dir);
    assert.equal(r.status, 0, r.stderr);
    const runId = readdirSync(path.join(dir, 'runs-flip'))[0];
    const run = new RunPaths(path.join(dir, 'runs-flip', runId));
    const bytes = readFileSync(run.checkpointFile);
    bytes[bytes.length - 100] ^= 0x40;
    writeFileSync(run.checkpointFile, bytes);
    const log = readFileSync(run.eventsFile, 'utf8');
    const resume = runCli(
      ['train', '--resume', runId, '--runs', 'runs-flip', '--steps', '12'],
      dir,
    );
    assert.equal(resume.status, 1);
    assert.match(
      resume.stderr,
      /checkpoint\.bin: the checkpoint's tensor data does not match its checksum/,
    );
    assert.equal(readFileSync(run.eventsFile, 'utf8'), log, 'events.jsonl is untouched');
    const search = runCli(['search', runId, '--runs', 'runs-flip', '--budget', '2'], dir);
    assert.equal(search.status, 1);
    assert.match(search.stderr, /does not match its checksum/);
  });

  void test('validate --json on 500- and 4,000-stage configs takes under a second', () => {
    const stage =
      '    - { depth: [1, 2], width: [8, 16], kernel: [3, 5], expand: [1, 2], stride: 1 }\n';
    const config = (n: number) =>
      `name: huge\nspace:\n  stem: { width: 8, kernel: 3, stride: 1 }\n  stages:\n${stage.repeat(n)}  head: { width: 8 }\n`;
    const cases: [number, RegExp][] = [
      // Read, and refused by the schema's bound on stages.
      [500, /takes at most 64 items; got 500/],
      // Too large to read at all (over 256 KiB): one located error, at once.
      [4000, /KiB, more than the 256 KiB a config may have/],
    ];
    for (const [n, expected] of cases) {
      writeFileSync(path.join(dir, `huge-${n}.supernet.yaml`), config(n));
      const t0 = performance.now();
      const r = runCli(['validate', `huge-${n}.supernet.yaml`, '--json'], dir);
      const ms = performance.now() - t0;
      const records = JSON.parse(r.stdout) as { message: string }[];
      assert.ok(
        records.some((x) => expected.test(x.message)),
        r.stdout.slice(0, 500),
      );
      // The whole process, Node's start included.
      assert.ok(ms < 1000, `validate of ${n} stages took ${ms.toFixed(0)} ms`);
    }
  });

  void test('export refuses the run’s checkpoint, a config, and a file it did not write', () => {
    const runs = path.join(dir, 'runs-done');
    const runId = readdirSync(runs)[0];
    const run = new RunPaths(path.join(runs, runId));
    const search = runCli(['search', runId, '--runs', runs, '--budget', '2', '--json'], dir);
    assert.equal(search.status, 0, search.stderr);
    const key = (
      JSON.parse(search.stdout.trim().split('\n').at(-1) ?? '{}') as { front: { key: string }[] }
    ).front[0].key;
    const ck = readFileSync(run.checkpointFile);
    for (const target of [run.checkpointFile, path.join(dir, 'short.supernet.yaml')]) {
      const r = runCli(['export', runId, key, '--runs', runs, '-o', target, '--force'], dir);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /an export is a \.onnx file/);
    }
    assert.ok(readFileSync(run.checkpointFile).equals(ck));
    const foreign = path.join(dir, 'theirs.onnx');
    writeFileSync(foreign, 'not ours');
    const refused = runCli(['export', runId, key, '--runs', runs, '-o', foreign], dir);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /exists and is not an earlier export of Supernet Studio.*--force/);
    assert.equal(readFileSync(foreign, 'utf8'), 'not ours');
    const mine = path.join(dir, 'mine.onnx');
    for (let i = 0; i < 2; i++) {
      // Its own earlier export is replaced without --force.
      const r = runCli(['export', runId, key, '--runs', runs, '-o', mine], dir);
      assert.equal(r.status, 0, r.stderr);
    }
    const forced = runCli(['export', runId, key, '--runs', runs, '-o', foreign, '--force'], dir);
    assert.equal(forced.status, 0, forced.stderr);
  });

  void test('a run named by a path outside the runs folder is refused', () => {
    const elsewhere = path.join(dir, 'elsewhere', 'x');
    mkdirSync(elsewhere, { recursive: true });
    const r = runCli(
      ['search', '../elsewhere/x', '--runs', path.join(dir, 'runs-done')],
      path.join(dir, 'runs-done'),
    );
    assert.equal(r.status, 1);
    assert.match(r.stderr, /is not a run of the runs folder/);
    assert.ok(!existsSync(path.join(elsewhere, 'pareto.json')));
  });

  /** A run of the short config trained to step 8 of 8 (its checkpoint at step 8), in its own runs folder. */
  const trainedRun = (runs: string) => {
    const r = runCli(['train', 'short.supernet.yaml', '--runs', runs, '--steps', '8'], dir);
    assert.equal(r.status, 0, r.stderr);
    const runId = readdirSync(path.join(dir, runs))[0];
    return { runId, run: new RunPaths(path.join(dir, runs, runId)) };
  };

  void test('fault 1, a failed resume wiped the run’s history: a bad checkpoint header is refused before anything is touched', () => {
    const { runId, run } = trainedRun('runs-header');
    const bad = (o: { header: Record<string, unknown> }) => {
      o.header.step = 'x';
      o.header.samplerRng = null;
    };
    const cases: [string, { dropHeaderChecksum?: boolean }, RegExp][] = [
      // Today's files: the header has its own checksum.
      [
        'with its checksum',
        {},
        /checkpoint\.bin: the checkpoint's header does not match its checksum/,
      ],
      // Files written before the header had one: every field is checked.
      [
        'without a header checksum',
        { dropHeaderChecksum: true },
        /checkpoint\.bin: the checkpoint's header field 'step' must be an integer\. The checkpoint is not usable/,
      ],
    ];
    const pristine = readFileSync(run.checkpointFile);
    for (const [what, opts, message] of cases) {
      writeFileSync(run.checkpointFile, pristine);
      editCheckpointHeader(run.checkpointFile, bad, opts);
      const before = fingerprint(run.dir);
      for (const args of [
        ['train', '--resume', runId, '--runs', 'runs-header'],
        ['train', '--resume', runId, '--runs', 'runs-header', '--steps', '12'],
        ['search', runId, '--runs', 'runs-header', '--budget', '2'],
        ['export', runId, 'r20-d1w8k3e1', '--runs', 'runs-header'],
      ]) {
        const r = runCli(args, dir);
        assert.equal(r.status, 1, `${what}, ${args[0]}: ${r.stderr}`);
        assert.match(r.stderr, message, `${what}, ${args.join(' ')}`);
        assert.doesNotMatch(r.stderr, /Cannot read properties/);
      }
      assert.deepEqual(changedFiles(before, fingerprint(run.dir)), [], `${what}: no byte changed`);
      assert.ok(
        events(run.dir).some((e) => e.type === 'run-end'),
        'the history is all there',
      );
    }
  });

  void test('fault 2, a 600 MB events.jsonl made a run unresumable: it is read line by line, and the run resumes', async () => {
    const { runId, run } = trainedRun('runs-huge');
    const original = readFileSync(run.eventsFile);
    // Past V8's longest string (0x1fffffe8 characters, ~512 MiB), in lines of 64 KiB, and
    // one line of 2 MiB that no writer makes.
    const line = Buffer.from(
      JSON.stringify({ type: 'log', time: 0, level: 'info', message: 'x'.repeat(65_400) }) + '\n',
    );
    const block = Buffer.concat(Array.from({ length: 512 }, () => line));
    const fd = openSync(run.eventsFile, 'a');
    try {
      for (let written = 0; written < 560 * 2 ** 20; written += block.length) writeSync(fd, block);
      writeSync(fd, `{"type":"log","message":"${'y'.repeat(2 * 2 ** 20)}"}\n`);
    } finally {
      closeSync(fd);
    }
    try {
      assert.ok(statSync(run.eventsFile).size > 0x1fffffe8);
      const r = runCli(['train', '--resume', runId, '--runs', 'runs-huge', '--steps', '12'], dir);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /events\.jsonl: dropped 1 line\(s\) longer than 1 MiB/);
      // The old history is still the log's beginning, the resumed steps follow.
      const head = Buffer.alloc(original.length);
      const rd = openSync(run.eventsFile, 'r');
      readSync(rd, head, 0, head.length, 0);
      closeSync(rd);
      assert.equal(head.toString('utf8'), original.toString('utf8'));
      assert.equal(checkpointStep(run.dir), 12);
      // What the editor reads of it: the Runs tree's summary, the dashboard, the tree's ranking.
      const summary = await readRunSummary(run.dir);
      assert.equal(summary?.status, 'completed');
      assert.equal(summary?.step, 12);
      const { model } = await readRunFolder(run.dir);
      assert.equal(model.steps.step.at(-1), 12);
      assert.equal(model.status, 'completed');
      assert.equal((await readRunRanking(run.dir)).stability?.epoch, 1, 'read past the 2 MiB line');
    } finally {
      rmSync(path.join(dir, 'runs-huge'), { recursive: true, force: true });
    }
  });

  void test('fault 3, the wrong file was blamed: a broken <run>/config.yaml is named, not the user’s valid config', () => {
    const { runId, run } = trainedRun('runs-blame');
    writeFileSync(
      run.configFile,
      readFileSync(run.configFile, 'utf8').replace('batchSize: 8', 'batchSize: eight'),
    );
    const before = fingerprint(run.dir);
    for (const args of [
      ['train', '--resume', runId, '--runs', 'runs-blame', '--steps', '12'],
      ['search', runId, '--runs', 'runs-blame', '--budget', '2'],
    ]) {
      const r = runCli(args, dir);
      assert.equal(r.status, 1, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `${run.configFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(the run's copy of .*short\\.supernet\\.yaml\\) has 1 error`,
        ),
      );
      assert.match(r.stderr, /config\.yaml:\d+: .*batchSize/);
    }
    assert.deepEqual(changedFiles(before, fingerprint(run.dir)), []);
    const user = runCli(['validate', 'short.supernet.yaml'], dir);
    assert.equal(user.status, 0, 'the user’s own config is valid');
  });

  void test('an engine-only kill left run.json running at step 0: the next read makes it say interrupted', async () => {
    const t = startTraining(dir, ['long.supernet.yaml', '--runs', 'runs-settle']);
    await t.until('step 8', (e) => e.type === 'step' && e.step >= 8);
    const engine = engineOf(t.child);
    const { runDir } = runStartOf(t.seen);
    process.kill(engine, 'SIGKILL');
    await gone(engine);
    await t.exited;
    assert.equal(meta(runDir).status, 'running', 'what the killed engine left');
    const summary = await readRunSummary(runDir);
    assert.equal(summary?.status, 'interrupted');
    assert.ok(settleInterrupted(summary!), 'the read settles it');
    const settled = JSON.parse(readFileSync(new RunPaths(runDir).metaFile, 'utf8')) as {
      status: string;
      step: number;
    };
    assert.equal(settled.status, 'interrupted');
    assert.equal(settled.step, summary?.step);
    assert.ok(settled.step >= 8);
    assert.equal((await readRunSummary(runDir))?.status, 'interrupted');
    assert.ok(!settleInterrupted((await readRunSummary(runDir))!), 'once');
    assert.ok(!existsSync(new RunPaths(runDir).lockFile), 'the lock it took is released');
  });

  void test('a candidate with accuracy 2.0 or an empty architecture is refused on reading', async () => {
    const { runId, run } = trainedRun('runs-cands');
    const search = runCli(['search', runId, '--runs', 'runs-cands', '--budget', '4'], dir);
    assert.equal(search.status, 0, search.stderr);
    const counted = (await readRunSummary(run.dir))?.candidates;
    const [first] = readJsonLinesFile(run.candidatesFile, parseCandidate);
    appendFileSync(
      run.candidatesFile,
      [
        { ...first, accuracy: 2.0 },
        { ...first, key: 'r20', arch: { resolution: 20, stages: [] } },
        { ...first, accuracy: -0.1 },
      ]
        .map((c) => JSON.stringify(c) + '\n')
        .join(''),
    );
    assert.equal((await readRunSummary(run.dir))?.candidates, counted);
    const read = readJsonLinesFile(run.candidatesFile, parseCandidate);
    assert.ok(read.every((c) => c.accuracy >= 0 && c.accuracy <= 1 && c.arch.stages.length > 0));
    const r = runCli(['export', runId, 'r20', '--runs', 'runs-cands'], dir);
    assert.equal(r.status, 1);
  });

  void test('search --budget 2 replaced a larger front: the front keeps what earlier searches found on the same weights', () => {
    const { runId, run } = trainedRun('runs-merge');
    const front = (r: ReturnType<typeof runCli>) =>
      (JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { front: { key: string }[] }).front
        .map((f) => f.key)
        .sort();
    const big = runCli(['search', runId, '--runs', 'runs-merge', '--budget', '12', '--json'], dir);
    assert.equal(big.status, 0, big.stderr);
    const small = runCli(['search', runId, '--runs', 'runs-merge', '--budget', '2', '--json'], dir);
    assert.equal(small.status, 0, small.stderr);
    assert.ok(front(big).length > 1, 'a front of several subnets to keep');
    assert.deepEqual(front(small), front(big));
    const file = JSON.parse(readFileSync(run.paretoFile, 'utf8')) as { front: { key: string }[] };
    assert.deepEqual(file.front.map((f) => f.key).sort(), front(big));
    assert.match(small.stdout, /earlier searches evaluated on the same weights/);
  });
});
