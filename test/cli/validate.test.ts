// `supernet validate` as a shell or CI job runs it: node bin/supernet.js (the bundled dist/cli.js).
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'bin', 'supernet.js');
const EXAMPLES = path.join(ROOT, 'examples');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `node bin/supernet.js ...args` and collect its output. */
function supernet(args: string[], cwd = ROOT): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`supernet ${args.join(' ')} did not finish within 30 s\n${stderr}`));
    }, 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const lines = (s: string) => s.split('\n').filter((l) => l.length > 0);
const HUMAN = /^(.+):(\d+):(\d+) (error|warning|info) (.+)$/;

interface JsonRecord {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: string;
  code: string;
  message: string;
}

const TINY = readFileSync(path.join(EXAMPLES, 'tiny.supernet.yaml'), 'utf8');
const STAGE1 =
  '    - { depth: [1, 2], width: [16, 24], kernel: [3, 5], expand: [2, 3], stride: 2 }';
// Two errors: an even kernel in stage 1 and a misspelt optimizer.
const BROKEN = TINY.replace(STAGE1, STAGE1.replace('kernel: [3, 5]', 'kernel: [3, 4]')).replace(
  'type: sgd',
  'type: sdg',
);
// Only a warning: a width that is not a multiple of 8.
const WARNING_ONLY = TINY.replace(STAGE1, STAGE1.replace('width: [16, 24]', 'width: [16, 20]'));

/** 1-based line and column of `needle` (plus `shift`) in `text`. */
function lineCol(text: string, needle: string, shift = 0): { line: number; column: number } {
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `'${needle}' not in the text`);
  const before = text.slice(0, at + shift).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

void describe('supernet validate', () => {
  let dir: string;
  let broken: string;
  let warningOnly: string;

  before(() => {
    assert.ok(
      TINY.includes(STAGE1) && TINY.includes('type: sgd'),
      'tiny example changed: update the test',
    );
    dir = mkdtempSync(path.join(tmpdir(), 'supernet-cli-'));
    broken = path.join(dir, 'broken.supernet.yaml');
    warningOnly = path.join(dir, 'warning.supernet.yaml');
    writeFileSync(broken, BROKEN);
    writeFileSync(warningOnly, WARNING_ONLY);
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  void test('the examples are clean: exit 0, nothing on stdout, a summary on stderr', async () => {
    const files = readdirSync(EXAMPLES)
      .filter((f) => f.endsWith('.supernet.yaml'))
      .map((f) => path.join('examples', f));
    assert.ok(files.length >= 4);
    const r = await supernet(['validate', ...files]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(lines(r.stdout), []);
    assert.match(r.stderr, new RegExp(`^${files.length} files: 0 errors, 0 warnings$`, 'm'));
  });

  void test('the examples as --json: an empty array', async () => {
    const r = await supernet(['validate', '--json', path.join('examples', 'tiny.supernet.yaml')]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), []);
  });

  void test('a broken config: exit 1, one `file:line:col severity message` line per finding', async () => {
    const r = await supernet(['validate', 'broken.supernet.yaml'], dir);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const out = lines(r.stdout);
    assert.equal(out.length, 2, r.stdout);
    for (const l of out) assert.match(l, HUMAN);
    const [kernel, optimizer] = out.map((l) => HUMAN.exec(l)!);
    const k = lineCol(BROKEN, 'kernel: [3, 4]', 'kernel: [3, '.length);
    assert.deepEqual(kernel.slice(1, 5), [
      'broken.supernet.yaml',
      String(k.line),
      String(k.column),
      'error',
    ]);
    assert.match(kernel[5], /^Kernel size 4 is even.*\[even-kernel\]$/);
    const o = lineCol(BROKEN, 'sdg');
    assert.deepEqual(optimizer.slice(1, 5), [
      'broken.supernet.yaml',
      String(o.line),
      String(o.column),
      'error',
    ]);
    assert.match(optimizer[5], /did you mean 'sgd'\?/);
    assert.match(r.stderr, /^1 file: 2 errors, 0 warnings$/m);
  });

  void test('--json: one array of records with 1-based, exact positions', async () => {
    const r = await supernet(['validate', broken, '--json']);
    assert.equal(r.code, 1, r.stderr);
    const records = JSON.parse(r.stdout) as JsonRecord[];
    assert.ok(Array.isArray(records));
    assert.equal(records.length, 2);
    for (const rec of records) {
      assert.deepEqual(Object.keys(rec).sort(), [
        'code',
        'column',
        'endColumn',
        'endLine',
        'file',
        'line',
        'message',
        'severity',
      ]);
      assert.ok(['error', 'warning', 'info'].includes(rec.severity));
      for (const n of [rec.line, rec.column, rec.endLine, rec.endColumn])
        assert.ok(Number.isInteger(n) && n >= 1);
      assert.equal(rec.file, broken);
    }
    const k = lineCol(BROKEN, 'kernel: [3, 4]', 'kernel: [3, '.length);
    assert.deepEqual(records[0], {
      file: broken,
      line: k.line,
      column: k.column,
      endLine: k.line,
      endColumn: k.column + 1,
      severity: 'error',
      code: 'even-kernel',
      message:
        "Kernel size 4 is even: 'same' padding and centred elastic kernels need odd sizes (e.g. 3 or 5).",
    });
    // The line is 12 and the `4` is in column 53 (1-based): checked against the text, and as numbers.
    assert.deepEqual([records[0].line, records[0].column], [12, 53]);
    const o = lineCol(BROKEN, 'sdg');
    assert.deepEqual(
      {
        line: records[1].line,
        column: records[1].column,
        endLine: records[1].endLine,
        endColumn: records[1].endColumn,
        code: records[1].code,
      },
      {
        line: o.line,
        column: o.column,
        endLine: o.line,
        endColumn: o.column + 3,
        code: 'unknown-value',
      },
    );
    // stdout is exactly the JSON: no summary line mixed in.
    assert.equal(r.stderr, '');
  });

  void test('warnings alone do not fail: exit 0 with the warning printed', async () => {
    const r = await supernet(['validate', warningOnly]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = lines(r.stdout);
    assert.equal(out.length, 1);
    const m = HUMAN.exec(out[0]);
    assert.ok(m, out[0]);
    assert.equal(m[4], 'warning');
    assert.match(m[5], /Width 20 is not a multiple of 8/);
    assert.match(r.stderr, /1 file: 0 errors, 1 warning$/m);
  });

  void test('several files: findings of each, exit 1 when any has an error', async () => {
    const r = await supernet([
      'validate',
      path.join(EXAMPLES, 'tiny.supernet.yaml'),
      broken,
      warningOnly,
      '--json',
    ]);
    assert.equal(r.code, 1);
    const records = JSON.parse(r.stdout) as JsonRecord[];
    assert.deepEqual(
      records.map((x) => [path.basename(x.file), x.severity]),
      [
        ['broken.supernet.yaml', 'error'],
        ['broken.supernet.yaml', 'error'],
        ['warning.supernet.yaml', 'warning'],
      ],
    );
  });

  void test('a missing file: exit 1 and a message that names it', async () => {
    const missing = path.join(dir, 'nope.supernet.yaml');
    const r = await supernet(['validate', missing]);
    assert.equal(r.code, 1);
    const out = lines(r.stdout);
    assert.equal(out.length, 1);
    assert.match(out[0], HUMAN);
    assert.equal(
      out[0],
      `${missing}:1:1 error Cannot read ${missing}: file not found [unreadable]`,
    );

    const json = await supernet(['validate', '--json', missing]);
    assert.equal(json.code, 1);
    assert.deepEqual(JSON.parse(json.stdout), [
      {
        file: missing,
        line: 1,
        column: 1,
        endLine: 1,
        endColumn: 1,
        severity: 'error',
        code: 'unreadable',
        message: `Cannot read ${missing}: file not found`,
      },
    ]);
  });

  void test('a config nested thousands deep is an error, not a crash', async () => {
    const deep = path.join(dir, 'deep.supernet.yaml');
    writeFileSync(deep, 'space:\n  stages: ' + '['.repeat(5000) + '\n');
    const r = await supernet(['validate', '--json', deep]);
    assert.equal(r.code, 1, r.stderr);
    const records = JSON.parse(r.stdout) as JsonRecord[];
    assert.deepEqual(
      records.map((x) => [x.code, x.line, x.message]),
      [['yaml-syntax', 2, 'YAML: nested more than 100 levels deep; the config is not read.']],
    );
  });

  void test('no files: exit 2 and a usage message', async () => {
    const r = await supernet(['validate']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /supernet validate: name at least one file/);
  });

  void test('no command: exit 2 with the usage; --help: exit 0', async () => {
    const none = await supernet([]);
    assert.equal(none.code, 2);
    assert.match(none.stdout + none.stderr, /usage: supernet <command>/);
    const help = await supernet(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /validate FILE\.\.\./);
  });

  void test('an unknown option: exit 2', async () => {
    const r = await supernet(['validate', '--bogus', broken]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option --bogus/);
  });
});
