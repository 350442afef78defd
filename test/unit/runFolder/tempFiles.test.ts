// Atomic writes in a shared run folder: a symlink planted at the temporary file's old,
// predictable name (`.<name>.<pid>.tmp`) must not redirect the write (#29, item 6).
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { atomicWrite, openTemp } from '#shared/runFolder/durable';
import { readCheckpoint, writeCheckpoint } from '../../../server/src/engine/storage/checkpoint';

let dir: string;
let victim: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'supernet-temp-'));
  victim = path.join(dir, 'victim.txt');
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A link at the name the writers used before: `.<name>.<pid>.tmp` → the victim file. */
function plant(file: string): string {
  writeFileSync(victim, 'untouched');
  const link = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  rmSync(link, { force: true });
  symlinkSync(victim, link);
  return link;
}

void test('atomicWrite: a planted link at the predictable temp name is not followed', () => {
  const file = path.join(dir, 'run.json');
  const link = plant(file);
  atomicWrite(file, '{"status":"completed"}\n');
  assert.equal(readFileSync(file, 'utf8'), '{"status":"completed"}\n');
  assert.equal(readFileSync(victim, 'utf8'), 'untouched');
  assert.ok(lstatSync(link).isSymbolicLink(), 'the link is left as it was');
  assert.ok(!lstatSync(file).isSymbolicLink());
});

void test('the checkpoint writer: the same planted link, the victim untouched, the checkpoint whole', () => {
  const file = path.join(dir, 'checkpoint.bin');
  plant(file);
  const data = Float32Array.from([1, 2, 3, 4]);
  writeCheckpoint(file, { header: { step: 7 }, tensors: [{ name: 'w', shape: [4], data }] });
  assert.equal(readFileSync(victim, 'utf8'), 'untouched');
  const back = readCheckpoint<{ step: number }>(file);
  assert.equal(back.header.step, 7);
  assert.deepEqual([...back.tensors[0].data], [1, 2, 3, 4]);
});

void test('a version 1 checkpoint (no checksum) is refused, saying why', () => {
  const file = path.join(dir, 'v1.bin');
  const data = Float32Array.from([1, 2]);
  writeCheckpoint(file, { header: { step: 1 }, tensors: [{ name: 'w', shape: [2], data }] });
  const buf = readFileSync(file);
  buf.write('SNCKPT1\n', 0, 'ascii');
  writeFileSync(file, buf);
  assert.throws(
    () => readCheckpoint(file),
    /version 1 checkpoint, .* carried a checksum: .*not read/,
  );
});

void test('temporary names are random and created exclusively; none is left behind', () => {
  const file = path.join(dir, 'x.json');
  const a = openTemp(file);
  const b = openTemp(file);
  closeSync(a.fd);
  closeSync(b.fd);
  assert.notEqual(a.tmp, b.tmp);
  assert.match(path.basename(a.tmp), /^\.x\.json\.\d+\.[0-9a-f]{12}\.tmp$/);
  rmSync(a.tmp);
  rmSync(b.tmp);
  atomicWrite(file, 'x');
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.startsWith('.x.json')),
    [],
  );
});
