// A run folder built to hurt its reader, as a cloned repository or a shared folder may hold
// one (#29, item 5): events.jsonl a symlink to /dev/zero (a read that never ends), a
// candidates.jsonl linked to a file outside, a 2 GB sparse pareto.json, a config of
// aliases. The editor's readers (dashboard, tree, run list) must finish at once, hold no
// more than a little memory, and show nothing of those files.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { forEachLine } from '#shared/runFolder/lineReader';
import { listRuns } from '#shared/runs/readRuns';
import { readRunText } from '#shared/runFolder/safeRead';
import { readRunFolder } from '../../../client/src/dashboard/runFolderReader';
import { readRunSubnets } from '../../../client/src/tree/runFiles';

let runs: string;
let runDir: string;
let outside: string;
before(() => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hostile-run-'));
  runs = path.join(dir, 'runs');
  runDir = path.join(runs, '20261207-000000-hostile');
  mkdirSync(runDir, { recursive: true });
  outside = path.join(dir, 'secret.jsonl');
  writeFileSync(
    outside,
    JSON.stringify({ key: 'r28-d1w8k3e1', accuracy: 0.99, loss: 0, flops: 1, params: 1 }) + '\n',
  );
  writeFileSync(
    path.join(runDir, 'run.json'),
    JSON.stringify({ id: path.basename(runDir), status: 'completed', step: 1, totalSteps: 1 }),
  );
  symlinkSync('/dev/zero', path.join(runDir, 'events.jsonl'));
  symlinkSync(outside, path.join(runDir, 'candidates.jsonl'));
  const fd = openSync(path.join(runDir, 'pareto.json'), 'w');
  ftruncateSync(fd, 2 * 1024 ** 3);
  closeSync(fd);
  // A billion laughs in a config: aliases of aliases.
  const laughs = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    laughs.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(',')}]`);
  }
  writeFileSync(path.join(runDir, 'config.yaml'), `${laughs.join('\n')}\nsearch: *i\n`);
});
after(() => rmSync(path.dirname(runs), { recursive: true, force: true }));

/** Runs `f`, failing if it takes longer than `ms` or grows the heap by more than 200 MB. */
async function bounded<T>(what: string, f: () => Promise<T>, ms = 5_000): Promise<T> {
  const heap = process.memoryUsage().heapUsed;
  const t0 = Date.now();
  const result = await Promise.race([
    f(),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} still reads after ${ms} ms`)), ms).unref(),
    ),
  ]);
  assert.ok(Date.now() - t0 < ms, what);
  assert.ok(process.memoryUsage().heapUsed - heap < 200 * 1024 ** 2, `${what} held the file`);
  return result;
}

void test('whole-file and line readers refuse symlinks and files over the cap', async () => {
  assert.equal(await readRunText(path.join(runDir, 'candidates.jsonl')), undefined);
  assert.equal(await readRunText(path.join(runDir, 'pareto.json')), undefined);
  assert.equal(await readRunText(path.join(runDir, 'run.json'), 10), undefined);
  assert.match((await readRunText(path.join(runDir, 'run.json'))) ?? '', /hostile/);
  await assert.rejects(
    forEachLine(path.join(runDir, 'events.jsonl'), () => undefined),
    /ELOOP|not a regular file/,
  );
});

void test('the dashboard, the tree and the run list finish at once and show none of it', async () => {
  const { model } = await bounded('the dashboard', () => readRunFolder(runDir));
  assert.equal(model.search.candidates.length, 0);
  assert.equal(model.search.front.length, 0);
  assert.equal(model.steps.step.length, 0);
  const subnets = await bounded('the tree', () => readRunSubnets(runDir));
  assert.deepEqual([subnets.front.length, subnets.all.length], [0, 0]);
  const listed = await bounded('the run list', () => listRuns(runs));
  assert.equal(listed.length, 1);
});
