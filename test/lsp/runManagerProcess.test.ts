// RunManager on its own, driving stand-in engine scripts: the ways an engine can misbehave.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RunManager, type RunManagerOptions } from '../../server/src/lsp/runManager';
import { JobEvents } from './runManagerEvents';
import { runStartEvent } from '../fixtures/events';

/** Announces a run, sends a malformed message and a log (thread limit, pid), ignores cancel. */
const STUBBORN_ENGINE = `
process.on('message', (m) => {
  if (m.type !== 'start') return;
  const time = Date.now();
  process.send({ ...${JSON.stringify(runStartEvent({ runId: 'stub-run', totalSteps: 9 }))}, time });
  process.send({ type: 'step', time, step: 'one' });
  process.send({ type: 'log', time, level: 'info', message: 'threads=' + process.env.SUPERNET_MAX_THREADS + ' pid=' + process.pid });
});
setInterval(() => undefined, 1000);
`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(what);
    await new Promise((r) => setTimeout(r, 20));
  }
}

void describe('RunManager with stand-in engines', () => {
  let dir: string;
  const managers: RunManager[] = [];
  const manager = (o: Omit<RunManagerOptions, 'onEvent'>, events: JobEvents, logs: string[]) => {
    const m = new RunManager({ ...o, onEvent: events.push, log: (s) => void logs.push(s) });
    managers.push(m);
    return m;
  };

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-run-manager-'));
    writeFileSync(path.join(dir, 'stubborn.js'), STUBBORN_ENGINE);
  });
  after(() => {
    for (const m of managers) m.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  void test('kills an engine that ignores the cancel, and drops malformed events', async () => {
    const events = new JobEvents();
    const logs: string[] = [];
    const enginePath = path.join(dir, 'stubborn.js');
    const m = manager({ enginePath, cancelGraceMs: 300, maxThreads: 3 }, events, logs);
    const { jobId } = m.train({ configPath: '/x.supernet.yaml', runsDir: dir });
    const log = await events.next((p) => p.event?.type === 'log');
    assert.match(log.event?.type === 'log' ? log.event.message : '', /^threads=3 pid=\d+$/);
    assert.equal(log.runId, 'stub-run');
    assert.equal(m.cancel(jobId), true);
    const exit = await events.exitOf(jobId, 5_000);
    assert.equal(exit.status, 'cancelled');
    assert.equal(exit.signal, 'SIGKILL');
    assert.match(exit.message ?? '', /did not stop/);
    assert.deepEqual(
      events.of(jobId).map((p) => p.event?.type ?? 'exit'),
      ['run-start', 'log', 'exit'],
    );
    assert.ok(logs.some((l) => /dropped a malformed event/.test(l)));
    assert.equal(m.cancel(jobId), false);
  });

  void test('reports a job whose engine is missing as failed, after answering', async () => {
    const events = new JobEvents();
    const m = manager({ enginePath: path.join(dir, 'nowhere.js') }, events, []);
    const started = m.search({ run: 'some-run', runsDir: dir });
    assert.equal(events.all.length, 0);
    const exit = await events.exitOf(started.jobId, 5_000);
    assert.equal(exit.status, 'failed');
    assert.match(exit.message ?? '', /nowhere\.js is missing/);
    assert.equal(events.of(started.jobId)[0].runId, 'some-run');
  });

  void test('dispose asks engines to stop, kills one that will not, and reports to nobody', async () => {
    const events = new JobEvents();
    const m = manager(
      { enginePath: path.join(dir, 'stubborn.js'), cancelGraceMs: 300 },
      events,
      [],
    );
    const { jobId } = m.train({ configPath: '/x.supernet.yaml', runsDir: dir });
    const log = await events.next((p) => p.jobId === jobId && p.event?.type === 'log');
    const pid = Number(/pid=(\d+)/.exec(log.event?.type === 'log' ? log.event.message : '')![1]);
    const before = events.all.length;
    m.dispose();
    assert.equal(m.cancel(jobId), false);
    assert.throws(() => m.train({ configPath: '/x', runsDir: dir }), /disposed/);
    await waitUntil(() => !alive(pid), 5_000, `engine ${pid} still alive after dispose`);
    // The exit is not reported: nobody is listening any more.
    await new Promise((r) => setImmediate(r));
    assert.equal(events.all.length, before);
  });
});
