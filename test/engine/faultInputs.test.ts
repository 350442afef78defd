// Fault injection, inputs side (issue #26, "Lose nothing"): a driver that vanishes, a name too
// long for a folder, a data file of the wrong kind, a config with old Mac line ends. Each case
// drives the real CLI or engine process and checks the message, and that a refused command
// changed no byte of the runs already on disk.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseEngineEvent, type EngineEvent } from '#shared/protocol/engine';
import { readJsonLinesFile } from '#shared/runFolder/appendLog';
import { RunPaths } from '#shared/runFolder/layout';
import { readCheckpoint } from '../../server/src/engine/storage/checkpoint';
import type { CheckpointHeader } from '../../server/src/engine/train/trainer';
import { validateFiles, type ValidationRecord } from '../../server/src/cli/validate';
import { microConfig, root, runCli } from './microRun';
import { changedFiles, fingerprint } from './runFileTools';

const engine = path.join(root, 'dist', 'engine.js');

const config = (o: { name?: string; steps: number; task?: string }) =>
  microConfig({
    ...o,
    train: `steps: ${o.steps}, batchSize: 8, checkpointEvery: 5, seed: 5, sampler: { type: sandwich, subnets: 3 }`,
  });

const validate = (file: string, cwd: string): ValidationRecord[] =>
  JSON.parse(runCli(['validate', file, '--json'], cwd).stdout) as ValidationRecord[];

/** An IDX file of unsigned bytes: the magic 0x000008<dims>, each dimension, then zeros. */
function idxFile(file: string, dims: number[]): void {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x800 | dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  writeFileSync(file, Buffer.concat([header, Buffer.alloc(dims.reduce((a, b) => a * b, 1))]));
}

void describe('faults: inputs', () => {
  let dir: string;
  /** A runs folder holding one finished run, which refused commands must leave as it is. */
  let runs: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-fault-inputs-'));
    runs = path.join(dir, 'runs');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  void test('The engine crashes when its driver dies: it ends the run and exits 0, no ERR_IPC_DISCONNECTED', async () => {
    writeFileSync(path.join(dir, 'long.supernet.yaml'), config({ name: 'long', steps: 100_000 }));
    // The driver's end as the engine sees it: its IPC channel closes mid-training. Forked
    // here, not by the CLI, so that the engine's exit code and stderr can be read.
    const child = fork(engine, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const seen: EngineEvent[] = [];
    const stepped = new Promise<void>((resolve) =>
      child.on('message', (m: EngineEvent) => {
        seen.push(m);
        if (m.type === 'step' && m.step >= 3) resolve();
      }),
    );
    child.send({
      type: 'start',
      configPath: path.join(dir, 'long.supernet.yaml'),
      runsDir: path.join(dir, 'runs-driver'),
    });
    await stepped;
    child.disconnect();
    assert.equal(await exited, 0, stderr);
    assert.doesNotMatch(stderr, /ERR_IPC_DISCONNECTED|Error|throw/, stderr);
    const start = seen.find((e) => e.type === 'run-start');
    assert.ok(start?.type === 'run-start');
    const paths = new RunPaths(start.runDir);
    const end = readJsonLinesFile(paths.eventsFile, parseEngineEvent).at(-1);
    assert.ok(end?.type === 'run-end' && end.status === 'cancelled', JSON.stringify(end));
    assert.equal(readCheckpoint<CheckpointHeader>(paths.checkpointFile).header.step, end.step);
  });

  void test('A long name passes validation and fails training: 200 characters train in a short folder, 300 are a located error', () => {
    const long = 'n'.repeat(199) + 'a';
    writeFileSync(path.join(dir, 'n200.supernet.yaml'), config({ name: long, steps: 2 }));
    const trained = runCli(['train', 'n200.supernet.yaml', '--runs', runs], dir);
    assert.equal(trained.status, 0, trained.stderr);
    const [runId] = readdirSync(runs);
    assert.ok(runId.length <= 16 + 64, `run folder ${runId} (${runId.length} characters)`);
    assert.match(runId, /^\d{8}-\d{6}-n+-[0-9a-f]{8}$/);
    // The run keeps the whole name in its copy of the config.
    const copy = readFileSync(new RunPaths(path.join(runs, runId)).configFile, 'utf8');
    assert.ok(copy.includes(`name: ${long}\n`));

    const before = fingerprint(runs);
    writeFileSync(
      path.join(dir, 'n300.supernet.yaml'),
      config({ name: 'n'.repeat(300), steps: 2 }),
    );
    const [record] = validate('n300.supernet.yaml', dir);
    assert.deepEqual(
      [record.line, record.column, record.severity, record.code],
      [1, 7, 'error', 'out-of-range'],
    );
    assert.match(record.message, /`name` must be at most 200 characters; got 300/);
    const refused = runCli(['train', 'n300.supernet.yaml', '--runs', runs], dir);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /n300\.supernet\.yaml:1: `name` must be at most 200 characters/);
    assert.doesNotMatch(refused.stderr, /ENAMETOOLONG/);
    assert.deepEqual(changedFiles(before, fingerprint(runs)), [], 'no byte of the runs changed');
  });

  void test('A long name passes validation and fails training: a long file name without `name:` trains', () => {
    const file = `${'f'.repeat(230)}.supernet.yaml`;
    writeFileSync(path.join(dir, file), config({ steps: 2 }));
    const r = runCli(['train', file, '--runs', path.join(dir, 'runs-file')], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /ENAMETOOLONG/);
  });

  void test('A garbled message for an IDX file with the wrong magic: the file and its magic are named', () => {
    const data = path.join(dir, 'swapped');
    mkdirSync(data);
    // The image file holds labels: 10 of them, one dimension.
    idxFile(path.join(data, 'train-images-idx3-ubyte'), [10]);
    idxFile(path.join(data, 'train-labels-idx1-ubyte'), [10]);
    writeFileSync(
      path.join(dir, 'swapped.supernet.yaml'),
      config({
        name: 'swapped',
        steps: 2,
        task: '{ dataset: idx, path: ./swapped, input: [28, 28, 1], classes: 10 }',
      }),
    );
    const expected =
      /swapped[/\\]train-images-idx3-ubyte: expected magic 0x00000803 \(ubyte, 3 dims\) or 0x00000804 \(ubyte, 4 dims\) for images, got 0x00000801 \(ubyte, 1 dim\), the magic of labels: is it the labels file\?/;
    const records = validate('swapped.supernet.yaml', dir);
    assert.equal(records.length, 1, JSON.stringify(records));
    assert.match(records[0].message, expected);
    assert.equal(records[0].line, 2);
    assert.doesNotMatch(records[0].message, /××/);

    const before = fingerprint(runs);
    const r = runCli(['train', 'swapped.supernet.yaml', '--runs', runs], dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, expected);
    assert.deepEqual(changedFiles(before, fingerprint(runs)), [], 'no byte of the runs changed');
  });

  void test('A file with CR-only line endings is read, and its problems are located on their lines', () => {
    const cr = (t: string) => t.replace(/\n/g, '\r');
    writeFileSync(path.join(dir, 'mac.supernet.yaml'), cr(config({ name: 'mac', steps: 2 })));
    assert.deepEqual(validate('mac.supernet.yaml', dir), []);
    const typo = config({ name: 'mac', steps: 2 }).replace('  head:', '  haed:');
    writeFileSync(path.join(dir, 'typo.supernet.yaml'), cr(typo));
    const records = validate('typo.supernet.yaml', dir);
    assert.deepEqual(
      records.map((r) => [r.line, r.column, r.code]),
      [[8, 3, 'unknown-key']],
    );
    assert.match(records[0].message, /Unknown key 'haed' in `space`; did you mean 'head'\?/);
    // Trained as any other config, starting from the same text.
    const r = runCli(['train', 'mac.supernet.yaml', '--runs', path.join(dir, 'runs-mac')], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(path.join(dir, 'runs-mac')));
  });

  void test('20,000 unknown keys: supernet validate prints a hundred and one line that counts the rest; --json has all', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `  u${i}: 1\n`).join('');
    writeFileSync(
      path.join(dir, 'keys.supernet.yaml'),
      `name: keys\nspace:\n  stem: { width: 8, kernel: 3, stride: 1 }\n  stages:\n` +
        `    - { depth: [1], width: [8], kernel: [3], expand: [1], stride: 1 }\n` +
        `  head: { width: 8 }\ntrain:\n${keys}`,
    );
    const t0 = performance.now();
    const r = runCli(['validate', 'keys.supernet.yaml'], dir);
    const ms = performance.now() - t0;
    assert.equal(r.status, 1);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 101);
    assert.match(
      lines[100],
      /… and 19,900 more unknown-key problems, not shown: fix these first\. \(--json lists all\)/,
    );
    assert.match(r.stderr, /1 file: 20000 errors/);
    assert.ok(ms < 10_000, `${ms.toFixed(0)} ms`);
    // --json prints every record (its output is several MB: read in this process).
    assert.equal(validateFiles([path.join(dir, 'keys.supernet.yaml')]).length, 20_000);
  });
});
