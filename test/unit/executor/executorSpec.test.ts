import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseExecutor, parseWorkerInfo, redactUrl } from '#shared/executor';
import { commandProblem, parseEngineEvent } from '#shared/protocol/engine';
import {
  acceptTask,
  evaluateTaskId,
  TASK_FORMAT,
  MAX_ARCHS_PER_TASK,
  MAX_EPOCHS,
  MAX_TASK_CHARS,
  parseStored,
  storedEvaluationSchema,
} from '../../../server/src/engine/execute/queue/queueTasks';
import { problemOf } from '#shared/schema/validate';

const isEvent = (x: unknown) => parseEngineEvent(x) !== undefined;

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
    assert.equal(commandProblem({ ...search, executor: 'redis://h:1' }), undefined);
    assert.match(commandProblem({ ...search, executor: 'ftp://h' }) ?? '', /search: .*Redis URL/);
    assert.match(
      commandProblem({ type: 'rank', run: 'r', runsDir: '/r', executor: 3 }) ?? '',
      /string/,
    );
    assert.equal(commandProblem({ type: 'worker', queue: 'redis://h:1', threads: 2 }), undefined);
    assert.match(commandProblem({ type: 'worker', queue: 'local' }) ?? '', /must be a Redis URL/);
    assert.match(
      commandProblem({ type: 'worker', queue: 'redis://h:1', name: 'a b' }) ?? '',
      /name/,
    );
    assert.match(
      commandProblem({ type: 'worker', queue: 'redis://h:1', threads: 0 }) ?? '',
      /threads/,
    );
  });

  void test('executor and worker events are recognised', () => {
    assert.ok(
      isEvent({
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
    assert.ok(!isEvent({ type: 'executor', time: 1, executor: 'x', workers: {} }));
    assert.ok(!isEvent({ type: 'worker', time: 1, state: 'job-end', worker: {} }));
  });
});

void describe('queue jobs', () => {
  const job = {
    format: TASK_FORMAT,
    kind: 'evaluate',
    version: '0.1.0',
  };

  void test('the same subnets of the same checkpoint make the same job id', () => {
    const a = evaluateTaskId('abc', ['k1', 'k2']);
    assert.equal(a, evaluateTaskId('abc', ['k1', 'k2']));
    assert.notEqual(a, evaluateTaskId('abd', ['k1', 'k2']));
    assert.notEqual(a, evaluateTaskId('abc', ['k1', 'k3']));
  });

  void test('a worker of another version refuses the job and names both versions', () => {
    const why = acceptTask(job, '0.0.9');
    assert.equal(typeof why, 'string');
    assert.match(why as string, /0\.1\.0/);
    assert.match(why as string, /0\.0\.9/);
    assert.equal(typeof acceptTask({ format: 99 }, '0.1.0'), 'string');
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
    assert.equal(typeof acceptTask(evaluate, '0.1.0'), 'object');
    const refusals: [object, RegExp][] = [
      [
        { ...evaluate, archs: Array(MAX_ARCHS_PER_TASK + 1).fill(arch) },
        /^task\.archs must be a list of at most 64 \(it has 65\)$/,
      ],
      [{ ...evaluate, archs: [] }, /^task\.archs must be a list of at least 1 \(it has 0\)$/],
      [{ ...evaluate, runDir: 'runs/r1' }, /^task\.runDir must be of the form/],
      [
        { ...evaluate, checkpointSha256: '../../etc' },
        /^task\.checkpointSha256 must be of the form/,
      ],
      [{ ...evaluate, pad: 'x'.repeat(MAX_TASK_CHARS) }, /larger than 256 KiB/],
      [
        {
          ...job,
          kind: 'train-alone',
          runDir: '/r',
          recipe: 'ab12',
          configPath: '/c.yaml',
          arch,
          epochs: MAX_EPOCHS + 1,
        },
        /^task\.epochs must be at most 100 \(it is 101\)$/,
      ],
      [
        { ...job, kind: 'train-alone', runDir: '/r', recipe: 'ab12', arch, epochs: 1 },
        /^task\.configPath is missing$/,
      ],
    ];
    for (const [bad, why] of refusals) assert.match(String(acceptTask(bad, '0.1.0')), why);
  });

  void test('a job or a stored result missing any required field is refused, the field named', () => {
    const arch = {
      resolution: 28,
      stages: [{ depth: 1, width: 8, blocks: [{ kernel: 3, expand: 1 }] }],
    };
    const base = { format: TASK_FORMAT, version: '0.1.0', runDir: '/runs/r1' };
    const jobs = [
      {
        ...base,
        kind: 'evaluate',
        checkpointSha256: 'a'.repeat(64),
        checkpointStep: 3,
        archs: [arch],
      },
      { ...base, kind: 'train-alone', recipe: 'ab12', configPath: '/c.yaml', arch, epochs: 1 },
    ];
    for (const full of jobs) {
      assert.equal(typeof acceptTask(full, '0.1.0'), 'object', full.kind);
      for (const field of Object.keys(full).filter((k) => k !== 'format' && k !== 'version')) {
        const rest: Record<string, unknown> = { ...full };
        delete rest[field];
        const why =
          field === 'kind'
            ? /^task\.kind must be one of/
            : new RegExp(`^task\\.${field} is missing$`);
        assert.match(String(acceptTask(rest, '0.1.0')), why, `${full.kind} without ${field}`);
      }
    }
    // Inside a subnet too, by its path.
    const deep = { ...jobs[0], archs: [{ ...arch, stages: [{ depth: 1, width: 8 }] }] };
    assert.equal(acceptTask(deep, '0.1.0'), 'task.archs[0].stages[0].blocks is missing');
    const stored = { accuracy: 0.8, loss: 0.5, worker: 'w1', seconds: 2 };
    assert.deepEqual(parseStored(JSON.stringify(stored)), stored);
    for (const field of ['accuracy', 'loss', 'worker']) {
      const rest: Record<string, unknown> = { ...stored };
      delete rest[field];
      assert.equal(parseStored(JSON.stringify(rest)), undefined, `a result without ${field}`);
      assert.match(
        String(problemOf(storedEvaluationSchema, rest)),
        new RegExp(`${field} is missing`),
      );
    }
    // An accuracy no evaluation gives is not believed either.
    assert.equal(parseStored(JSON.stringify({ ...stored, accuracy: 1.7 })), undefined);
  });
});
