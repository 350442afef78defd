// A worker serves the runs under its --runs folders only (#29, item 1): a job naming any
// other path is refused with the same words whether that path exists or not (no existence
// oracle for a queue writer), and a link inside the folders that leads out is refused too.
// Inside them, the checkpoint's bytes are compared with the job's before anything is parsed.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { EvaluateTask } from '../../../../server/src/engine/execute/queue/queueTasks';
import {
  checkpointDataSha256,
  readCheckpoint,
  writeCheckpoint,
} from '../../../../server/src/engine/storage/checkpoint';
import { Refusal, RunCache } from '../../../../server/src/engine/worker/runCache';

let dir: string;
let roots: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'worker-roots-'));
  roots = path.join(dir, 'runs');
  mkdirSync(path.join(roots, 'empty-run'), { recursive: true });
  mkdirSync(path.join(dir, 'elsewhere'));
  symlinkSync(path.join(dir, 'elsewhere'), path.join(roots, 'leads-out'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const job = (runDir: string): EvaluateTask => ({
  kind: 'evaluate',
  format: 1,
  version: 'test',
  runDir,
  checkpointSha256: '0'.repeat(64),
  checkpointStep: 1,
  archs: [],
});

async function refusal(runDir: string): Promise<Refusal> {
  const cache = new RunCache({}, [roots]);
  try {
    await cache.evaluation(job(runDir));
  } catch (e) {
    assert.ok(e instanceof Refusal, String(e));
    return e;
  }
  assert.fail(`${runDir} was not refused`);
}

void test('outside the roots: one answer whether the path exists or not', async () => {
  const exists = await refusal('/etc');
  const missing = await refusal('/etc/no-such-folder-here');
  const dotdot = await refusal(path.join(roots, '..', 'elsewhere'));
  for (const r of [exists, missing, dotdot])
    assert.equal(
      r.message,
      'the run folder is not under this worker’s run folders (supernet worker --runs)',
    );
  // The detail, for the worker's own log only, names the path.
  assert.match(exists.detail ?? '', /^\/etc is outside /);
});

void test('a link inside the roots that leads out is refused; a missing run inside says so', async () => {
  assert.match(
    (await refusal(path.join(roots, 'leads-out'))).message,
    /not under this worker’s run folders/,
  );
  assert.match((await refusal(path.join(roots, 'gone'))).message, /does not exist on this machine/);
  // Inside and real: refused for what it holds (no checkpoint there).
  assert.match(
    (await refusal(path.join(roots, 'empty-run'))).message,
    /no checkpoint here has the search's weights/,
  );
});

/** A folder under the roots with a YAML that names a secret key and a real checkpoint. */
function plantedRun(name: string): { dir: string; sha: string } {
  const run = path.join(roots, name);
  mkdirSync(path.join(run, 'checkpoint'), { recursive: true });
  writeFileSync(path.join(run, 'config.yaml'), 'aws_secret_access_key: AKIAEXAMPLE\n');
  writeFileSync(path.join(run, 'run.json'), '{"configPath": "/nowhere.yaml"}');
  const file = path.join(run, 'checkpoint', 'checkpoint.bin');
  writeCheckpoint(file, {
    header: { version: 1 },
    tensors: [{ name: 'w', shape: [3], data: new Float32Array([1, 2, 3]) }],
  });
  return { dir: run, sha: readCheckpoint(file).sha256 };
}

void test('the checkpoint is compared, by its bytes, before any file of the run is parsed', async () => {
  const planted = plantedRun('planted');
  // Another checkpoint: refused on the bytes, the config never parsed (its key never quoted).
  const other = await refusal(planted.dir);
  assert.match(other.message, /no checkpoint here has the search's weights/);
  assert.doesNotMatch(`${other.message} ${other.detail}`, /aws_secret|AKIA/);
  // The same checkpoint: only now are the files read, and the config refused.
  const cache = new RunCache({}, [roots]);
  await assert.rejects(
    cache.evaluation({ ...job(planted.dir), checkpointSha256: planted.sha }),
    (e: Refusal) => e instanceof Refusal && /cannot load the run here/.test(e.message),
  );
});

void test('checkpointDataSha256 is the checkpoint reader’s SHA, and nothing for a link or a v1 file', () => {
  const planted = plantedRun('hashed');
  const file = path.join(planted.dir, 'checkpoint', 'checkpoint.bin');
  assert.equal(checkpointDataSha256(file), planted.sha);
  symlinkSync(file, path.join(planted.dir, 'link.bin'));
  assert.equal(checkpointDataSha256(path.join(planted.dir, 'link.bin')), undefined);
  writeFileSync(path.join(planted.dir, 'v1.bin'), 'SNCKPT1\n\0\0\0\0');
  assert.equal(checkpointDataSha256(path.join(planted.dir, 'v1.bin')), undefined);
  assert.equal(checkpointDataSha256(path.join(planted.dir, 'missing.bin')), undefined);
});
