// A worker serves the runs under its --runs folders only (#29, item 1): a job naming any
// other path is refused with the same words whether that path exists or not (no existence
// oracle for a queue writer), and a link inside the folders that leads out is refused too.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { EvaluateJob } from '../../../../server/src/engine/execute/queue/queueJobs';
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

const job = (runDir: string): EvaluateJob => ({
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
  // Inside and real: refused only later, for what it holds (no run there).
  assert.match((await refusal(path.join(roots, 'empty-run'))).message, /cannot load the run here/);
});
