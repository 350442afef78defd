import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver-types';
import type { LanguageServiceOptions } from '../../../server/src/language/languageService';
import { diagnostics, doc, service, SMALL, smallWith, span } from './support';

const { Error: ERROR, Warning: WARNING } = DiagnosticSeverity;

/** The one diagnostic of `text`: every case below must produce exactly the finding it is about. */
function only(text: string, options: LanguageServiceOptions = {}): Diagnostic {
  const all = diagnostics(text, undefined, options);
  assert.equal(
    all.length,
    1,
    `expected one diagnostic, got: ${JSON.stringify(all.map((d) => [d.code, d.message]))}`,
  );
  assert.equal(all[0].source, 'supernet');
  return all[0];
}

function expect(
  d: Diagnostic,
  code: string,
  severity: DiagnosticSeverity,
  range: [number, number, number, number],
  message?: RegExp | string,
): void {
  assert.equal(d.code, code);
  assert.equal(d.severity, severity, `severity of ${code}`);
  assert.deepEqual(span(d.range), range, `range of ${code}`);
  if (typeof message === 'string') assert.equal(d.message, message);
  else if (message) assert.match(d.message, message);
}

void describe('diagnostics: the baseline', () => {
  void test('the small space validates with no findings', () => {
    assert.deepEqual(diagnostics(SMALL), []);
  });
});

void describe('diagnostics: YAML syntax', () => {
  void test('a duplicated key is reported at the second key', () => {
    // lines 9–11: train: / epochs: 1 / epochs: 2
    const d = only(SMALL + 'train:\n  epochs: 1\n  epochs: 2\n');
    expect(d, 'yaml-syntax', ERROR, [11, 2, 11, 3], 'YAML: Map keys must be unique');
  });

  void test('an unclosed flow sequence is reported where YAML notices it', () => {
    const all = diagnostics(SMALL + 'train:\n  epochs: [1, 2\nsearch:\n  seed: 0\n');
    const syntax = all.filter((d) => d.code === 'yaml-syntax');
    assert.equal(syntax.length, 1);
    expect(
      syntax[0],
      'yaml-syntax',
      ERROR,
      [11, 0, 11, 1],
      /^YAML: Flow sequence .* end with a \]$/,
    );
    assert.ok(
      !/at line \d+/.test(syntax[0].message),
      'the message leaves the position to the range',
    );
  });

  void test('tab indentation is a syntax error', () => {
    const all = diagnostics('space:\n\tstages: []\n');
    assert.ok(
      all.some((d) => d.code === 'yaml-syntax' && d.severity === ERROR && d.range.start.line === 1),
    );
  });
});

void describe('diagnostics: schema', () => {
  void test('unknown key with a did-you-mean', () => {
    const d = only(SMALL + 'train:\n  epocs: 3\n');
    expect(
      d,
      'unknown-key',
      ERROR,
      [10, 2, 10, 7],
      "Unknown key 'epocs' in `train`; did you mean 'epochs'?",
    );
    assert.deepEqual(d.data, { replacement: 'epochs', fixTitle: "Change to 'epochs'" });
  });

  void test('unknown key without a close match lists the keys', () => {
    const d = only(SMALL + 'train:\n  zzzzzzzz: 3\n');
    expect(
      d,
      'unknown-key',
      ERROR,
      [10, 2, 10, 10],
      /^Unknown key 'zzzzzzzz' in `train`\. Expected one of: epochs, steps, batchSize,/,
    );
    assert.equal(d.data, undefined);
  });

  void test('an already present key is not suggested for a typo', () => {
    const d = only(SMALL + 'train:\n  epochs: 1\n  epoch: 2\n');
    assert.equal(d.code, 'unknown-key');
    assert.doesNotMatch(d.message, /did you mean 'epochs'/);
  });

  void test('unknown objective in search.objectives, alone or with others', () => {
    // `  objectives: { ` is 16 characters
    for (const objectives of ['{ acuracy: max }', '{ acuracy: max, macs: min }']) {
      const d = only(SMALL + `search:\n  objectives: ${objectives}\n`);
      expect(
        d,
        'unknown-key',
        ERROR,
        [10, 16, 10, 23],
        "Unknown objective 'acuracy' in `search.objectives`; did you mean 'accuracy'?",
      );
      assert.equal((d.data as { replacement: string }).replacement, 'accuracy');
    }
  });

  void test('an empty objectives mapping needs an entry', () => {
    const d = only(SMALL + 'search:\n  objectives: {}\n');
    expect(
      d,
      'missing-key',
      ERROR,
      [10, 14, 10, 16],
      '`search.objectives` needs at least 1 entry.',
    );
  });

  void test('wrong type: a string for an integer, a number for a boolean', () => {
    expect(
      only(SMALL + 'train:\n  batchSize: big\n'),
      'wrong-type',
      ERROR,
      [10, 13, 10, 16],
      '`train.batchSize` must be an integer.',
    );
    expect(
      only(SMALL + 'train:\n  batchSize: 2.5\n'),
      'wrong-type',
      ERROR,
      [10, 13, 10, 16],
      '`train.batchSize` must be an integer, not 2.5.',
    );
    expect(
      only(SMALL + 'train:\n  distillation: 3\n'),
      'wrong-type',
      ERROR,
      [10, 16, 10, 17],
      '`train.distillation` must be true or false.',
    );
    expect(
      only(SMALL + 'train: 5\n'),
      'wrong-type',
      ERROR,
      [9, 7, 9, 8],
      '`train` must be a mapping of keys to values.',
    );
  });

  void test('wrong type: a single number where choices are expected offers [n]', () => {
    const d = only(smallWith('depth: [1, 2]', 'depth: 2'));
    expect(
      d,
      'wrong-type',
      ERROR,
      [7, 15, 7, 16],
      /^`space\.stages\.0\.depth` must be a list of choices, e\.g\. \[3, 5\]\. Write \[2\] for a single choice\.$/,
    );
    assert.deepEqual(d.data, { replacement: '[2]', fixTitle: 'Change to [2]' });
  });

  void test('out-of-range numbers', () => {
    expect(
      only(SMALL + 'train:\n  batchSize: 0\n'),
      'out-of-range',
      ERROR,
      [10, 13, 10, 14],
      '`train.batchSize` must be at least 1; got 0.',
    );
    // `  validationSplit: ` is 19 characters
    expect(
      only(smallWith('  classes: 10\n', '  classes: 10\n  validationSplit: 1\n')),
      'out-of-range',
      ERROR,
      [3, 19, 3, 20],
      '`task.validationSplit` must be less than 1; got 1.',
    );
    expect(
      only(smallWith('input: [8, 8, 1]', 'input: [8, 8]')),
      'out-of-range',
      ERROR,
      [1, 9, 1, 15],
      '`task.input` needs at least 3 items; got 2.',
    );
  });

  void test('unknown enum value with a suggestion', () => {
    // `  optimizer: { type: ` is 21 characters
    const d = only(SMALL + 'train:\n  optimizer: { type: sgdd }\n');
    expect(
      d,
      'unknown-value',
      ERROR,
      [10, 21, 10, 25],
      "Unknown value 'sgdd' for `train.optimizer.type`; did you mean 'sgd'?",
    );
    assert.deepEqual(d.data, { replacement: 'sgd', fixTitle: "Change to 'sgd'" });
  });

  void test('unknown enum value without a close match lists the values', () => {
    const d = only(SMALL + 'train:\n  optimizer: { type: rmsprop }\n');
    expect(
      d,
      'unknown-value',
      ERROR,
      [10, 21, 10, 28],
      "Unknown value 'rmsprop' for `train.optimizer.type`: expected one of 'sgd', 'adam'.",
    );
  });

  void test('missing required key space.stages is reported on `space`', () => {
    const text = SMALL.replace(/ {2}stages:\n.*\n/, '');
    assert.equal(text.split('\n').length, SMALL.split('\n').length - 2);
    const d = only(text);
    expect(
      d,
      'missing-key',
      ERROR,
      [3, 0, 3, 5],
      '`space` is missing `stages`: The stages, in order from input to head.',
    );
  });

  void test('a config without `space` reads "The config is missing"', () => {
    const d = only('name: x\n');
    expect(d, 'missing-key', ERROR, [0, 0, 0, 7], /^The config is missing `space`: /);
  });

  void test('a key without a value', () => {
    const d = only(
      SMALL.replace(
        '  stages:\n    - { depth: [1, 2], width: [8, 16], kernel: [3, 5], expand: [1, 2], stride: 2 }\n',
        '  stages:\n',
      ),
    );
    expect(d, 'missing-key', ERROR, [6, 2, 6, 8], '`space.stages` needs a value: a list.');
  });
});

void describe('diagnostics: elastic choices', () => {
  void test('choices not sorted (warning)', () => {
    const d = only(smallWith('resolution: [6, 8]', 'resolution: [8, 6]'));
    expect(
      d,
      'unsorted-choices',
      WARNING,
      [4, 14, 4, 20],
      '`space.resolution` is not sorted: choices are listed from smallest to largest.',
    );
    assert.equal((d.data as { replacement: string }).replacement, '[6, 8]');
  });

  void test('duplicated choices (warning)', () => {
    // `[3, 5, 3]` starts at character 47 of the stage line
    const d = only(smallWith('kernel: [3, 5]', 'kernel: [3, 5, 3]'));
    expect(
      d,
      'duplicate-choices',
      WARNING,
      [7, 47, 7, 56],
      /^`space\.stages\.0\.kernel` lists 3 more than once/,
    );
    assert.equal((d.data as { replacement: string }).replacement, '[3, 5]');
  });

  void test('even kernel, in a stage and in the stem', () => {
    expect(
      only(smallWith('kernel: [3, 5]', 'kernel: [3, 4]')),
      'even-kernel',
      ERROR,
      [7, 51, 7, 52],
      /^Kernel size 4 is even/,
    );
    expect(
      only(smallWith('kernel: 3, stride: 1', 'kernel: 4, stride: 1')),
      'even-kernel',
      ERROR,
      [5, 28, 5, 29],
      /^Kernel size 4 is even/,
    );
  });

  void test('stride not 1 or 2, in a stage and in the stem', () => {
    expect(
      only(smallWith('stride: 2 }', 'stride: 3 }')),
      'bad-stride',
      ERROR,
      [7, 79, 7, 80],
      'Stride must be 1 or 2; got 3.',
    );
    expect(
      only(smallWith('stride: 1 }', 'stride: 4 }')),
      'bad-stride',
      ERROR,
      [5, 39, 5, 40],
      'Stride must be 1 or 2; got 4.',
    );
  });

  void test('resolution larger than the input', () => {
    const d = only(smallWith('resolution: [6, 8]', 'resolution: [6, 10]'));
    expect(
      d,
      'resolution-too-large',
      ERROR,
      [4, 18, 4, 20],
      'Resolution 10 is larger than the input height 8: subnets only shrink the input.',
    );
  });

  void test('resolution collapsing after the strides', () => {
    // stem stride 1 × stage stride 2 = 2
    const d = only(smallWith('resolution: [6, 8]', 'resolution: [1, 8]'));
    expect(
      d,
      'resolution-collapses',
      ERROR,
      [4, 15, 4, 16],
      'Resolution 1 collapses to 0 after the strides (total stride 2): use at least 2.',
    );
  });

  void test('input height collapsing when there is no resolution list: reported on `stages`', () => {
    const text = SMALL.replace('  resolution: [6, 8]\n', '').replace(
      'input: [8, 8, 1]',
      'input: [1, 1, 1]',
    );
    const d = only(text);
    expect(
      d,
      'resolution-collapses',
      ERROR,
      [5, 2, 5, 8],
      'The input height 1 collapses to 0 after the strides (total stride 2).',
    );
  });

  void test('width not a multiple of 8 is a warning, in stages, stem and head', () => {
    expect(
      only(smallWith('width: [8, 16]', 'width: [8, 12]')),
      'width-not-multiple-of-8',
      WARNING,
      [7, 34, 7, 36],
      /^Width 12 is not a multiple of 8/,
    );
    expect(
      only(smallWith('width: 8, kernel', 'width: 12, kernel')),
      'width-not-multiple-of-8',
      WARNING,
      [5, 17, 5, 19],
      /^Width 12 /,
    );
    expect(
      only(smallWith('head: { width: 16 }', 'head: { width: 20 }')),
      'width-not-multiple-of-8',
      WARNING,
      [8, 17, 8, 19],
      /^Width 20 /,
    );
  });
});

void describe('diagnostics: constraints', () => {
  // `  constraints: [` is 16 characters; the range covers the quotes.
  void test('infeasible FLOPs bound names the smallest subnet’s FLOPs', () => {
    const d = only(SMALL + 'search:\n  constraints: ["macs <= 7k"]\n');
    expect(
      d,
      'infeasible-constraint',
      ERROR,
      [10, 16, 10, 28],
      "No subnet meets 'macs <= 7k': the smallest subnet has 7.43k (7432) MACs.",
    );
    assert.equal((d.data as { replacement: string }).replacement, '"macs <= 7.432k"');
  });

  void test('a strict bound at exactly the smallest value is infeasible; a non-strict one is fine', () => {
    expect(
      only(SMALL + 'search:\n  constraints: ["macs < 7432"]\n'),
      'infeasible-constraint',
      ERROR,
      [10, 16, 10, 29],
    );
    assert.deepEqual(diagnostics(SMALL + 'search:\n  constraints: ["macs <= 7432"]\n'), []);
  });

  void test('infeasible parameter bounds name the smallest or largest subnet’s parameters', () => {
    const upper = only(SMALL + 'search:\n  constraints: ["params < 600"]\n');
    expect(
      upper,
      'infeasible-constraint',
      ERROR,
      [10, 16, 10, 30],
      "No subnet meets 'params < 600': the smallest subnet has 666 parameters.",
    );
    assert.equal((upper.data as { replacement: string }).replacement, '"params <= 666"');
    // block list: `    - ` is 6 characters; a plain scalar is replaced without quotes
    const lower = only(SMALL + 'search:\n  constraints:\n    - params >= 4k\n');
    expect(
      lower,
      'infeasible-constraint',
      ERROR,
      [11, 6, 11, 18],
      "No subnet meets 'params >= 4k': the largest subnet has 3.41k (3410) parameters.",
    );
    assert.equal((lower.data as { replacement: string }).replacement, 'params >= 3.41k');
  });

  void test('redundant constraint (warning)', () => {
    const d = only(SMALL + 'search:\n  constraints: ["macs <= 1M"]\n');
    expect(
      d,
      'redundant-constraint',
      WARNING,
      [10, 16, 10, 28],
      "Every subnet meets 'macs <= 1M' (MACs range 7.43k–56.7k): the constraint has no effect.",
    );
    expect(
      only(SMALL + "search:\n  constraints: ['params > 100']\n"),
      'redundant-constraint',
      WARNING,
      [10, 16, 10, 30],
    );
  });

  void test('bad constraint syntax, metric and unit', () => {
    const all = diagnostics(
      SMALL +
        'search:\n  constraints: ["macs about 2M", "speed <= 3", "macs <= 2X", "accuracy >= 2"]\n',
    );
    assert.deepEqual(
      all.map((d) => d.code),
      ['bad-constraint', 'bad-constraint', 'bad-constraint', 'bad-constraint'],
    );
    assert.ok(all.every((d) => d.severity === ERROR));
    expect(
      all[0],
      'bad-constraint',
      ERROR,
      [10, 16, 10, 31],
      "Cannot read constraint 'macs about 2M': write it as `metric op value`, e.g. `macs <= 2M`.",
    );
    assert.match(all[1].message, /^Unknown metric 'speed'/);
    assert.match(all[2].message, /^Unknown unit 'X' for macs/);
    assert.match(all[3].message, /^Accuracy is a fraction from 0 to 1/);
  });

  void test('`flops` is still read, as `macs`: a note offers the name; both as objectives are an error', () => {
    const older = diagnostics(
      SMALL +
        'search:\n  objectives: { accuracy: max, flops: min }\n  constraints: ["flops <= 7k"]\n',
    );
    assert.deepEqual(
      older.map((d) => [d.code, d.severity]),
      [
        ['infeasible-constraint', ERROR],
        ['older-name', DiagnosticSeverity.Information],
        ['older-name', DiagnosticSeverity.Information],
      ],
    );
    // Read as MACs: the same bound, the same check as `macs <= 7k`.
    assert.equal(
      older[0].message,
      "No subnet meets 'flops <= 7k': the smallest subnet has 7.43k (7432) MACs.",
    );
    assert.equal((older[0].data as { replacement: string }).replacement, '"flops <= 7.432k"');
    const both = only(SMALL + 'search:\n  objectives: { accuracy: max, macs: min, flops: min }\n');
    expect(
      both,
      'conflicting-settings',
      ERROR,
      [10, 42, 10, 47],
      '`macs` and `flops` name the same objective (multiply-accumulates): keep one.',
    );
  });

  void test('latency and accuracy constraints are not checked against the space', () => {
    assert.deepEqual(
      diagnostics(SMALL + 'search:\n  constraints: ["latency <= 0.001ms", "accuracy >= 99%"]\n'),
      [],
    );
  });
});

void describe('diagnostics: machine, search and data', () => {
  void test('memory estimate above the machine, on `batchSize`', () => {
    // the largest subnet of SMALL needs 4 337 440 bytes at batch 64 (space/facts.test.ts)
    const d = only(SMALL + 'train:\n  batchSize: 64\n', { memoryLimitBytes: 1_000_000 });
    expect(
      d,
      'memory-exceeds-machine',
      WARNING,
      [10, 2, 10, 11],
      "A training step needs about 4.1 MiB (largest subnet, batch 64), more than this machine's 977 KiB: use a smaller batch or search space.",
    );
    assert.deepEqual(
      diagnostics(SMALL + 'train:\n  batchSize: 64\n', undefined, { memoryLimitBytes: 4_337_440 }),
      [],
    );
    assert.deepEqual(diagnostics(SMALL + 'train:\n  batchSize: 64\n'), [], 'no limit, no check');
  });

  void test('memory estimate without `batchSize` is reported on `space`', () => {
    expect(
      only(SMALL, { memoryLimitBytes: 1_000_000 }),
      'memory-exceeds-machine',
      WARNING,
      [3, 0, 3, 5],
    );
  });

  void test('NSGA-II population too small', () => {
    const d = only(SMALL + 'search:\n  population: 3\n');
    expect(
      d,
      'population-too-small',
      ERROR,
      [10, 14, 10, 15],
      /^NSGA-II needs a population of at least 4 .*; got 3\.$/,
    );
    assert.deepEqual(
      diagnostics(SMALL + 'search:\n  algorithm: random\n  population: 3\n'),
      [],
      'random search takes any population',
    );
  });

  void test('sandwich sampler with fewer than 2 subnets; uniform and pada samplers ignore `subnets`', () => {
    // `  sampler: { type: sandwich, subnets: ` is 38 characters
    expect(
      only(SMALL + 'train:\n  sampler: { type: sandwich, subnets: 1 }\n'),
      'out-of-range',
      ERROR,
      [10, 38, 10, 39],
      /^The sandwich rule trains/,
    );
    expect(
      only(SMALL + 'train:\n  sampler: { type: uniform, subnets: 3 }\n'),
      'unused-setting',
      WARNING,
      [10, 37, 10, 38],
      /`subnets` is ignored/,
    );
    expect(
      only(SMALL + 'train:\n  sampler: { type: pada, subnets: 3 }\n'),
      'unused-setting',
      WARNING,
      [10, 34, 10, 35],
      /^PA&DA trains one subnet per step/,
    );
  });

  void test('schedule fields the schedule type does not read', () => {
    // `  schedule: { type: cosine, decay: ` is 35 characters
    expect(
      only(SMALL + 'train:\n  schedule: { type: cosine, decay: 0.9 }\n'),
      'unused-setting',
      WARNING,
      [10, 35, 10, 38],
      '`decay` shapes the exponential schedule; a cosine schedule ignores it.',
    );
    expect(
      only(SMALL + 'train:\n  schedule: { type: exponential, minLr: 0.001 }\n'),
      'unused-setting',
      WARNING,
      [10, 40, 10, 45],
      /^`minLr` shapes the cosine schedule/,
    );
    assert.deepEqual(
      diagnostics(SMALL + 'train:\n  schedule: { type: exponential, decay: 0.9, endRatio: 0.1 }\n'),
      [],
    );
  });

  void test('channel sorting at shrinking without any shrinking never sorts', () => {
    const d = only(SMALL + 'train:\n  channelSorting: { when: shrinking }\n');
    expect(d, 'unused-setting', WARNING, [10, 18, 10, 37], /never sorts/);
    for (const extra of ['  delayedShrinking: 0.2\n', '  progressiveShrinking: [0.1, 0.3, 0.5]\n'])
      assert.deepEqual(
        diagnostics(SMALL + 'train:\n  channelSorting: { when: shrinking }\n' + extra),
        [],
      );
    assert.deepEqual(
      diagnostics(SMALL + 'train:\n  channelSorting: { when: periodic, everyEpochs: 2 }\n'),
      [],
    );
  });

  void test('`dataset: idx` without a path', () => {
    const d = only(smallWith('  classes: 10\n', '  classes: 10\n  dataset: idx\n'));
    expect(
      d,
      'missing-path',
      ERROR,
      [3, 11, 3, 14],
      '`dataset: idx` needs `task.path`: the folder of the IDX files.',
    );
  });

  void test('a data path that does not exist, against real folders', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'supernet-unit-'));
    try {
      fs.mkdirSync(path.join(dir, 'data'));
      const configFile = path.join(dir, 'demo.supernet.yaml');
      const uri = pathToFileURL(configFile).toString();
      const options: LanguageServiceOptions = {
        uriToPath: (u) => (u.startsWith('file:') ? fileURLToPath(u) : undefined),
        resolvePath: (from, rel) => path.resolve(path.dirname(from), rel),
        pathExists: (p) => fs.existsSync(p),
      };
      const withPath = (p: string) =>
        smallWith('  classes: 10\n', `  classes: 10\n  dataset: idx\n  path: ${p}\n`);
      const validate = (text: string) => {
        fs.writeFileSync(configFile, text);
        return service(options).validate(doc(text, uri));
      };
      assert.deepEqual(validate(withPath('./data')), []);
      const missing = validate(withPath('./missing'));
      assert.equal(missing.length, 1);
      // `  path: ` is 8 characters; `./missing` ends at 17
      expect(
        missing[0],
        'path-not-found',
        ERROR,
        [4, 8, 4, 17],
        `Data folder not found: ${path.join(dir, 'missing')}`,
      );
      // without a way to look at the disk, paths are not checked
      assert.deepEqual(diagnostics(withPath('./missing')), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
