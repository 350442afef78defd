import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { repairTail } from '#shared/runFolder/appendLog';
import { forEachLine, forEachLineSync, MAX_LINE_BYTES } from '#shared/runFolder/lineReader';

/** Lines of every length around the 1 MiB chunk size, with multi-byte characters across it. */
function sample(): string[] {
  const lines: string[] = [];
  for (let i = 0; i < 40; i++) lines.push('é'.repeat(10_000 + i * 7) + `${i}×`);
  lines.push('');
  lines.push('x'.repeat(MAX_LINE_BYTES - 1));
  lines.push('last line without a newline');
  return lines;
}

void test('lines across 1 MiB chunks and multi-byte characters read back exactly, sync and async', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lines-'));
  try {
    const file = path.join(dir, 'log.jsonl');
    const lines = sample();
    writeFileSync(file, lines.join('\n'));
    const seen: string[] = [];
    const counts = forEachLineSync(file, (l) => seen.push(l));
    assert.deepEqual(seen, lines);
    assert.deepEqual(counts, { lines: lines.length, oversized: 0 });
    const again: string[] = [];
    assert.deepEqual(await forEachLine(file, (l) => again.push(l)), counts);
    assert.deepEqual(again, lines);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('a line over the bound is skipped and counted, never held whole; the next line is read', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lines-'));
  try {
    const file = path.join(dir, 'log.jsonl');
    writeFileSync(
      file,
      `a\n${'y'.repeat(3 * MAX_LINE_BYTES)}\nb\n${'z'.repeat(MAX_LINE_BYTES + 1)}`,
    );
    const seen: string[] = [];
    assert.deepEqual(
      forEachLineSync(file, (l) => seen.push(l)),
      { lines: 2, oversized: 2 },
    );
    assert.deepEqual(seen, ['a', 'b']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('repairTail cuts a torn last line by reading back from the end only', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lines-'));
  try {
    const file = path.join(dir, 'log.jsonl');
    // The torn line is longer than the 64 KiB it reads back at a time.
    const torn = 'w'.repeat(200_000);
    writeFileSync(file, `{"a":1}\n{"b":2}\n${torn}`);
    assert.equal(repairTail(file), torn.length);
    const seen: string[] = [];
    forEachLineSync(file, (l) => seen.push(l));
    assert.deepEqual(seen, ['{"a":1}', '{"b":2}']);
    assert.equal(repairTail(file), 0, 'a whole file is left as it is');
    writeFileSync(file, 'no newline at all');
    assert.equal(repairTail(file), 17);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
