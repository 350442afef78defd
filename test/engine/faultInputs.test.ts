// Fault injection, inputs side (issue #26, "Lose nothing"): a driver that vanishes, a name too
// long for a folder, a data file of the wrong kind, a config with old Mac line ends. Each case
// drives the real CLI or engine process and checks the message, and that a refused command
// changed no byte of the runs already on disk.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseEngineEvent, type EngineEvent } from '#shared/protocol/engine';
import { readJsonLinesFile } from '#shared/runFolder/appendLog';
import { RunPaths } from '#shared/runFolder/layout';
import { readCheckpoint } from '../../server/src/engine/run/checkpoint';
import type { CheckpointHeader } from '../../server/src/engine/train/trainer';

const root = path.resolve(__dirname, '../../..');
const engine = path.join(root, 'dist', 'engine.js');

const config = (o: { name?: string; steps: number; task?: string }) =>
  `${o.name !== undefined ? `name: ${o.name}\n` : ''}task: ${o.task ?? '{ validationSplit: 0.01 }'}
space:
  resolution: [20]
  stem: { width: 8, kernel: 3, stride: 2 }
  stages:
    - { depth: [1, 2], width: [8, 16], kernel: [3], expand: [1, 2], stride: 2 }
  head: { width: 16 }
train: { steps: ${o.steps}, batchSize: 8, checkpointEvery: 5, seed: 5, sampler: { type: sandwich, subnets: 3 } }
search: { bnRecalibrationBatches: 1 }
`;

void describe('faults: inputs', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-fault-inputs-'));
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
});
