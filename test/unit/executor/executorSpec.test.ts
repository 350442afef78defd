import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseExecutor, parseWorkerInfo, redactUrl } from '#shared/executor';
import { checkCommand, isEngineEvent } from '#shared/protocol/engine';
import {
  acceptJob,
  evaluateJobId,
  JOB_FORMAT,
  MAX_ARCHS_PER_JOB,
  MAX_EPOCHS,
  MAX_JOB_CHARS,
} from '../../../server/src/engine/execute/queue/queueJobs';

void describe('an executor is local or a Redis queue, and a bad one says why', () => {
  void test('local, empty and Redis URLs are executors', () => {
    assert.deepEqual(parseExecutor('local'), { kind: 'local' });
    assert.deepEqual(parseExecutor('  '), { kind: 'local' });
    for (const url of ['redis://127.0.0.1:6379', 'rediss://q.example:6380', 'redis://:pw@h:1/2'])
      assert.deepEqual(parseExecutor(url), { kind: 'queue', url });
  });

  void test('anything else is refused with the form to use', () => {
    const cases: [string, RegExp][] = [
      ['remote', /neither local nor a URL: use local or redis:\/\/HOST:PORT/],
      ['http://h:6379', /http: is not a Redis URL/],
      ['redis://h:6379/queue', /database number/],
    ];
    for (const [text, why] of cases) {
      const got = parseExecutor(text);
      assert.equal(typeof got, 'string', text);
      assert.match(got as string, why);
    }
  });

  void test('a password never reaches a log line: user-info, query and unparseable text', () => {
    assert.equal(redactUrl('redis://:s3cret@h:6379/0'), 'redis://***@h:6379/0');
    assert.equal(redactUrl('redis://fleet:s3cret@h:6379'), 'redis://***@h:6379');
    assert.equal(redactUrl('rediss://h:6380/1?password=s3cret&tls=1'), 'rediss://h:6380/1?***');
    assert.equal(redactUrl('redis://h:6379'), 'redis://h:6379');
    assert.equal(redactUrl('s3cret'), '(a URL that does not parse)');
    // The refusals of parseExecutor print no secret either.
    for (const text of [
      's3cret',
      'http://u:s3cret@h:1',
      'redis://:s3cret@h:1/queue?password=s3cret',
    ])
      assert.doesNotMatch(parseExecutor(text) as string, /s3cret/, text);
  });

  void test('a worker registry entry is read field by field; a broken one is dropped', () => {
    const entry = {
      id: 'gpu-1',
      host: 'gpu-1',
      pid: 42,
      version: '0.1.0',
      backend: 'wasm',
      threads: 2,
      state: 'busy',
      job: 'e-1',
      jobsDone: 3,
      since: 1,
      seen: 2,
    };
    assert.equal(parseWorkerInfo(entry)?.job, 'e-1');
    assert.equal(parseWorkerInfo({ ...entry, state: 'dancing' }), undefined);
    assert.equal(parseWorkerInfo({ ...entry, pid: '42' }), undefined);
    assert.equal(parseWorkerInfo('{"id":"gpu-1"}'), undefined);
  });
});

void describe('search, rank and worker commands carry a checked executor', () => {
  void test('good and bad executors on commands', () => {
    const search = { type: 'search', run: 'r', runsDir: '/r' };
    assert.equal(checkCommand({ ...search, executor: 'redis://h:1' }), undefined);
    assert.match(checkCommand({ ...search, executor: 'ftp://h' }) ?? '', /search: .*Redis URL/);
    assert.match(
      checkCommand({ type: 'rank', run: 'r', runsDir: '/r', executor: 3 }) ?? '',
      /string/,
    );
    assert.equal(checkCommand({ type: 'worker', queue: 'redis://h:1', threads: 2 }), undefined);
    assert.match(checkCommand({ type: 'worker', queue: 'local' }) ?? '', /must be a Redis URL/);
    assert.match(checkCommand({ type: 'worker', queue: 'redis://h:1', name: 'a b' }) ?? '', /name/);
    assert.match(
      checkCommand({ type: 'worker', queue: 'redis://h:1', threads: 0 }) ?? '',
      /threads/,
    );
  });

  void test('executor and worker events are recognised', () => {
    assert.ok(
      isEngineEvent({
        type: 'executor',
        time: 1,
        executor: 'redis://h:1',
        workers: [],
        queued: 2,
        running: 0,
        done: 0,
        evaluationsPerSec: 0,
      }),
    );
    assert.ok(!isEngineEvent({ type: 'executor', time: 1, executor: 'x', workers: {} }));
    assert.ok(!isEngineEvent({ type: 'worker', time: 1, state: 'job-end', worker: {} }));
  });
});

void describe('queue jobs', () => {
  const job = {
    format: JOB_FORMAT,
    kind: 'evaluate',
    version: '0.1.0',
  };

  void test('the same subnets of the same checkpoint make the same job id', () => {
    const a = evaluateJobId('abc', ['k1', 'k2']);
    assert.equal(a, evaluateJobId('abc', ['k1', 'k2']));
    assert.notEqual(a, evaluateJobId('abd', ['k1', 'k2']));
    assert.notEqual(a, evaluateJobId('abc', ['k1', 'k3']));
  });

  void test('a worker of another version refuses the job and names both versions', () => {
    const why = acceptJob(job, '0.0.9');
    assert.equal(typeof why, 'string');
    assert.match(why as string, /0\.1\.0/);
    assert.match(why as string, /0\.0\.9/);
    assert.equal(typeof acceptJob({ format: 99 }, '0.1.0'), 'string');
  });

  void test('what a job may ask is bounded: subnets, epochs, size, an absolute folder, a SHA-256', () => {
    const arch = {
      resolution: 28,
      stages: [{ depth: 1, width: 8, blocks: [{ kernel: 3, expand: 1 }] }],
    };
    const evaluate = {
      ...job,
      runDir: '/runs/r1',
      checkpointSha256: 'a'.repeat(64),
      checkpointStep: 10,
      archs: [arch],
    };
    assert.equal(typeof acceptJob(evaluate, '0.1.0'), 'object');
    const refusals: [object, RegExp][] = [
      [
        { ...evaluate, archs: Array(MAX_ARCHS_PER_JOB + 1).fill(arch) },
        /65 subnets, more than the 64/,
      ],
      [{ ...evaluate, archs: [] }, /lists no subnets/],
      [{ ...evaluate, runDir: 'runs/r1' }, /no absolute run folder/],
      [{ ...evaluate, checkpointSha256: '../../etc' }, /names no checkpoint/],
      [{ ...evaluate, pad: 'x'.repeat(MAX_JOB_CHARS) }, /larger than 256 KiB/],
      [
        {
          ...job,
          kind: 'train-alone',
          runDir: '/r',
          recipe: 'x',
          configPath: '/c.yaml',
          arch,
          epochs: MAX_EPOCHS + 1,
        },
        /101 epochs, more than the 100/,
      ],
      [
        { ...job, kind: 'train-alone', runDir: '/r', recipe: 'x', arch, epochs: 1 },
        /not a stand-alone training/,
      ],
    ];
    for (const [bad, why] of refusals) assert.match(String(acceptJob(bad, '0.1.0')), why);
  });
});
