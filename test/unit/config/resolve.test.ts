import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseConstraint } from '#shared/constraints';
import { didYouMean } from '../../../server/src/config/didYouMean';
import { formatBigCount, formatBound, formatBytes, formatCount } from '#shared/format/numbers';
import { resolveConfig } from '../../../server/src/config/resolve';

void describe('resolveConfig', () => {
  void test('fills defaults and keeps what is written', () => {
    const r = resolveConfig(
      'space:\n  stages:\n    - { depth: [1], width: [8] }\ntrain: { batchSize: 16 }\n',
    );
    assert.deepEqual(r.problems, []);
    assert.equal(r.config.train.batchSize, 16);
    assert.equal(r.config.train.epochs, 1);
    assert.deepEqual(r.config.task.input, [28, 28, 1]);
    assert.deepEqual(r.config.space.stages[0], {
      depth: [1],
      width: [8],
      kernel: [3, 5, 7],
      expand: [3, 4, 6],
      stride: 1,
    });
    assert.deepEqual(r.config.space.stem, { width: 16, kernel: 3, stride: 1 });
    assert.deepEqual(r.config.search.objectives, { accuracy: 'max', macs: 'min' });
    assert.equal(r.config.space.resolution, undefined);
  });

  void test('a field with an error takes its default', () => {
    const r = resolveConfig(
      'space:\n  stages:\n    - { depth: [1], width: [8] }\ntrain: { batchSize: -3, optimizer: { type: nope } }\n',
    );
    assert.deepEqual(
      r.problems.map((p) => p.code),
      ['out-of-range', 'unknown-value'],
    );
    assert.equal(r.config.train.batchSize, 64);
    assert.equal(r.config.train.optimizer.type, 'sgd');
    assert.deepEqual(r.errorPaths, ['train.batchSize', 'train.optimizer.type']);
  });

  void test('a missing required section still has its defaulted fields', () => {
    for (const text of ['name: x\n', 'space:\n', 'space:\n  head: { width: 8 }\n']) {
      const r = resolveConfig(text);
      assert.deepEqual(
        r.problems.map((p) => p.code),
        ['missing-key'],
        text,
      );
      assert.deepEqual(r.config.space.stem, { width: 16, kernel: 3, stride: 1 }, text);
      assert.equal(r.config.space.stages, undefined, text);
    }
  });

  void test('locations: key and value offsets by path', () => {
    const text = 'train:\n  batchSize: 16\n';
    const loc = resolveConfig(text).locations.get('train.batchSize')!;
    assert.deepEqual(loc.key, [9, 18]);
    assert.deepEqual(loc.value, [20, 22]);
    assert.equal(text.slice(...loc.key!), 'batchSize');
  });

  void test('never throws, and says when the text is not readable', () => {
    assert.equal(resolveConfig('[1, 2').readable, false);
    assert.equal(resolveConfig('\u0000\uffff: [').problems[0].code, 'yaml-syntax');
    assert.equal(
      resolveConfig('a: [1\n').readable,
      true,
      'a mapping with an error inside is still read',
    );
  });
});

void describe('parseConstraint', () => {
  void test('metrics, operators and units', () => {
    assert.deepEqual(parseConstraint('flops <= 2M'), { metric: 'flops', op: '<=', value: 2e6 });
    // `macs` names the same metric (the engine's files call it `flops`).
    assert.deepEqual(parseConstraint('macs <= 2M'), parseConstraint('flops <= 2M'));
    assert.deepEqual(parseConstraint('MACs < 3k'), { metric: 'flops', op: '<', value: 3e3 });
    assert.deepEqual(parseConstraint('  params<50k '), { metric: 'params', op: '<', value: 50000 });
    assert.deepEqual(parseConstraint('FLOPS =< 1.5GMACs'), {
      metric: 'flops',
      op: '<=',
      value: 1.5e9,
    });
    assert.deepEqual(parseConstraint('latency <= 1.5ms'), {
      metric: 'latency',
      op: '<=',
      value: 1.5,
    });
    assert.deepEqual(parseConstraint('latency < 500us'), {
      metric: 'latency',
      op: '<',
      value: 0.5,
    });
    assert.deepEqual(parseConstraint('latency > 2s'), { metric: 'latency', op: '>', value: 2000 });
    assert.deepEqual(parseConstraint('accuracy >= 80%'), {
      metric: 'accuracy',
      op: '>=',
      value: 0.8,
    });
    assert.deepEqual(parseConstraint('accuracy => 0.9'), {
      metric: 'accuracy',
      op: '>=',
      value: 0.9,
    });
  });

  void test('errors are messages', () => {
    assert.match(parseConstraint('flops') as string, /^Cannot read constraint 'flops'/);
    assert.match(parseConstraint('size <= 3') as string, /^Unknown metric 'size'/);
    assert.match(parseConstraint('flops <= 3T') as string, /^Unknown unit 'T' for flops/);
    assert.match(parseConstraint('latency <= 3h') as string, /^Unknown unit 'h' for latency/);
    assert.match(parseConstraint('accuracy >= 120%') as string, /^Accuracy is a fraction/);
    assert.match(parseConstraint('params >= -5') as string, /cannot be negative/);
  });
});

void describe('didYouMean', () => {
  void test('typos, case and prefixes; nothing for far words', () => {
    assert.equal(didYouMean('epocs', ['epochs', 'steps']), 'epochs');
    assert.equal(didYouMean('BatchSize', ['batchSize']), 'batchSize');
    assert.equal(didYouMean('acuracy', ['accuracy', 'flops']), 'accuracy');
    assert.equal(didYouMean('optim', ['optimizer', 'schedule']), undefined);
    assert.equal(didYouMean('lr', ['lr', 'momentum']), 'lr');
    assert.equal(didYouMean('xyz', ['epochs']), undefined);
  });
});

void describe('format', () => {
  void test('counts, big counts, bytes and bounds', () => {
    assert.equal(formatCount(7432), '7.43k');
    assert.equal(formatCount(56736), '56.7k');
    assert.equal(formatCount(156386), '156k');
    assert.equal(formatCount(666), '666');
    assert.equal(formatCount(2_000_000), '2M');
    assert.equal(formatBigCount(8100n), '8,100');
    assert.equal(formatBigCount(12_345_678_901n), '1.23e10');
    assert.equal(formatBytes(1_000_000), '977 KiB');
    assert.equal(formatBytes(4337440), '4.1 MiB');
    assert.equal(formatBound('flops', 7432), '7.432k');
    assert.equal(formatBound('params', 3410), '3.41k');
    assert.equal(formatBound('params', 666), '666');
    assert.equal(formatBound('flops', 1234567), '1.234567M');
    assert.equal(formatBound('flops', 1234567.5), '1234.5675k');
    assert.equal(formatBound('flops', 1234.5678901), '1234.5678901');
  });
});
