import test from 'node:test';
import assert from 'node:assert/strict';
import { orderedWindow } from '../../../../server/src/engine/threads/orderedWindow';
import { Cancelled } from '../../../../server/src/engine/runError';

/**
 * The scheduling of SubnetEvaluator's pool, on promises the test settles by hand: what starts
 * when, and what is delivered in which order.
 */

interface Deferred {
  resolve: (v: string) => void;
  reject: (e: Error) => void;
}

function harness(count: number, order: number[], window: number, shouldStop?: () => boolean) {
  const started: number[] = [];
  const delivered: [number, string][] = [];
  const pending = new Map<number, Deferred>();
  const run = orderedWindow<string>({
    count,
    order,
    window,
    start: (i) => {
      started.push(i);
      return new Promise((resolve, reject) => pending.set(i, { resolve, reject }));
    },
    deliver: (i, r) => delivered.push([i, r]),
    shouldStop,
  });
  const finish = async (i: number) => {
    pending.get(i)!.resolve(`r${i}`);
    // Lets the window react (the settle, then its wake-up).
    for (let k = 0; k < 5; k++) await Promise.resolve();
  };
  return { run, started, delivered, pending, finish };
}

void test('starts in the order given, at most `window` at a time', async () => {
  const h = harness(5, [4, 2, 0, 1, 3], 2);
  await Promise.resolve();
  assert.deepEqual(h.started, [4, 2]);
  await h.finish(2);
  assert.deepEqual(h.started, [4, 2, 0]);
  for (const i of [0, 4, 1, 3]) await h.finish(i);
  await h.run;
  assert.deepEqual(h.started, [4, 2, 0, 1, 3]);
});

void test('a slow first item holds back neither the starts of the rest nor their results', async () => {
  const h = harness(6, [0, 1, 2, 3, 4, 5], 2);
  await Promise.resolve();
  // Item 0 runs long; the second slot works through everything else meanwhile.
  for (const i of [1, 2, 3, 4]) await h.finish(i);
  assert.deepEqual(h.started, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(h.delivered, [], 'nothing delivered before item 0');
  await h.finish(5);
  await h.finish(0);
  await h.run;
  assert.deepEqual(
    h.delivered,
    [0, 1, 2, 3, 4, 5].map((i) => [i, `r${i}`]),
  );
});

void test('a stop lets what started finish, delivers it in index order, then cancels', async () => {
  let stop = false;
  const h = harness(6, [5, 3, 1, 0, 2, 4], 3, () => stop);
  await Promise.resolve();
  assert.deepEqual(h.started, [5, 3, 1]);
  stop = true;
  await h.finish(3);
  assert.deepEqual(h.started, [5, 3, 1], 'nothing more starts');
  await h.finish(5);
  await h.finish(1);
  await assert.rejects(h.run, Cancelled);
  assert.deepEqual(
    h.delivered.map(([i]) => i),
    [1, 3, 5],
  );
});

void test('a failed item rejects with its error', async () => {
  const h = harness(3, [0, 1, 2], 3);
  await Promise.resolve();
  h.pending.get(1)!.reject(new Error('thread exited'));
  await assert.rejects(h.run, /thread exited/);
});

void test('no items: returns at once', async () => {
  const h = harness(0, [], 2);
  await h.run;
  assert.deepEqual(h.started, []);
});
