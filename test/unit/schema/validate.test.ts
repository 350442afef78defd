import test from 'node:test';
import assert from 'node:assert/strict';
import { int, list, literal, map, num, obj, optional, str, union } from '#shared/schema/dsl';
import { parseWith, problemOf } from '#shared/schema/validate';

const point = obj('A point.', { x: num('x', { minimum: 0 }), label: optional(str('a label')) });
const shape = union('A shape.', 'type', {
  dot: obj('A dot.', { type: literal('a dot', 'dot'), at: point }),
  path: obj('A path.', {
    type: literal('a path', 'path'),
    points: list('its points', point, { minItems: 2 }),
    v: literal('format', 2),
  }),
});

void test('every field at every depth, named by its path; numbers said back, strings never', () => {
  assert.equal(problemOf(shape, { type: 'dot', at: { x: 1 } }), undefined);
  assert.equal(
    problemOf(shape, { type: 'dot', at: { x: -1 } }, 's'),
    's.at.x must be at least 0 (it is -1)',
  );
  assert.equal(problemOf(shape, { type: 'dot' }, 's'), 's.at is missing');
  assert.equal(problemOf(shape, { type: 'ring' }, 's'), "s.type must be one of 'dot', 'path'");
  assert.equal(
    problemOf(shape, { type: 'path', v: 2, points: [{ x: 0 }, { x: 'secret-path' }] }, 's'),
    's.points[1].x must be a number',
  );
  assert.equal(
    problemOf(shape, { type: 'path', v: 1, points: [{ x: 0 }, { x: 1 }] }, 's'),
    's.v must be 2',
  );
  assert.equal(problemOf(point, { x: 1, label: 7 }, 'p'), 'p.label must be a string');
  assert.equal(problemOf(int('n'), 1.5, 'n'), 'n must be an integer');
  assert.equal(problemOf(num('n'), Number.NaN, 'n'), 'n must be a number');
  const m = map('m', { a: 'A', b: 'B' }, int('v'));
  assert.equal(problemOf(m, { a: 1, c: 2 }, 'm'), "m has an unknown key 'c'");
  const secret = problemOf(str('s', { pattern: /^[a-f]+$/ }), '/home/me/.aws/credentials', 's');
  assert.ok(secret && !secret.includes('/home'), secret);
});

void test('parseWith gives the typed value or the problem', () => {
  const ok = parseWith(shape, { type: 'dot', at: { x: 2 }, extra: true });
  assert.ok(ok.ok && ok.value.type === 'dot' && ok.value.at.x === 2);
  const no = parseWith(shape, null, 'shape');
  assert.deepEqual(no, {
    ok: false,
    problem: "shape must be a mapping whose 'type' is 'dot', 'path'",
  });
});
