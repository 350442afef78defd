import test from 'node:test';
import assert from 'node:assert/strict';
import { logAbsDet } from '../../../../server/src/engine/ranking/logDet';
import { Rng } from '#shared/rng';
import { leibnizDet } from './leibniz';

const close = (a: number, b: number, tol: number) =>
  assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b} (tolerance ${tol})`);

void test('log |det| equals the log of the Leibniz determinant of random matrices', () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 20; trial++) {
    const n = 1 + (trial % 6);
    const a = Array.from({ length: n * n }, () => rng.normal());
    close(logAbsDet(a, n), Math.log(Math.abs(leibnizDet(a, n))), 1e-10);
  }
});

void test('rows are swapped when a pivot is zero', () => {
  close(logAbsDet([0, 2, 3, 0], 2), Math.log(6), 1e-15);
  close(logAbsDet([0, 0, 1, 0, 4, 0, 5, 0, 0], 3), Math.log(20), 1e-15);
});

void test('a singular matrix has log |det| −Infinity', () => {
  assert.equal(logAbsDet([1, 2, 2, 4], 2), -Infinity);
  assert.equal(logAbsDet([1, 1, 1, 1, 1, 1, 0, 0, 0], 3), -Infinity);
});

void test('a determinant beyond a double still has its log', () => {
  // Lower-triangular noise under a diagonal of 1000s, rows shuffled: |det| = 1000^300.
  const n = 300;
  const rng = new Rng(3);
  const rows = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (j === i ? 1000 : j < i ? rng.normal() : 0)),
  );
  rng.shuffle(rows);
  close(logAbsDet(rows.flat(), n), n * Math.log(1000), 1e-9);
});

void test('the matrix is left as it was', () => {
  const a = new Float64Array([2, 1, 1, 3]);
  logAbsDet(a, 2);
  assert.deepEqual([...a], [2, 1, 1, 3]);
});
