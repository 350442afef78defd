import test from 'node:test';
import assert from 'node:assert/strict';
import { runTests, Skip } from '../../e2e/suite/runner';

void test('the e2e runner reports a skip as skipped, not passed; a failure throws', async () => {
  const lines: string[] = [];
  await runTests(
    [
      { name: 'runs', fn: () => Promise.resolve() },
      { name: 'cannot run here', fn: () => Promise.reject(new Skip('no ranking run')) },
    ],
    (l) => lines.push(l),
  );
  assert.match(lines[1], /^ok 1 - runs # time=\d+ms$/);
  assert.match(lines[2], /^ok 2 - cannot run here # SKIP no ranking run$/);
  assert.equal(lines.at(-1), '1 passed, 1 skipped, 0 failed');
  const failing: string[] = [];
  await assert.rejects(
    runTests([{ name: 'breaks', fn: () => Promise.reject(new Error('boom')) }], (l) =>
      failing.push(l),
    ),
    /1 of 1 e2e tests failed/,
  );
  assert.equal(failing.at(-1), '0 passed, 0 skipped, 1 failed');
});
