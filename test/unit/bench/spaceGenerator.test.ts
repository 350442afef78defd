import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { generateSpace } from '../../../server/src/bench/spaceGenerator';
import { resolveConfig } from '../../../server/src/config/resolve';

const root = path.resolve(__dirname, '../../../..');

void test('a drawn space is the seed’s, within the stated limits, and a valid config', () => {
  for (let seed = 0; seed < 50; seed++) {
    const s = generateSpace(seed);
    assert.deepEqual(generateSpace(seed), s, 'seeded');
    assert.ok(s.resolution.length >= 1 && s.resolution.length <= 2);
    assert.ok(s.resolution.every((r) => [14, 21, 28].includes(r)));
    assert.ok(s.stages.length === 2 || s.stages.length === 3);
    for (const [i, st] of s.stages.entries()) {
      assert.ok(st.depth.every((d) => d >= 1 && d <= 3) && st.depth.length <= 2);
      assert.ok(st.width.length >= 1 && st.width.length <= 3);
      assert.ok(st.kernel.every((k) => [3, 5, 7].includes(k)) && st.kernel.length <= 2);
      assert.ok(st.expand.every((e) => [1, 2, 4, 6].includes(e)) && st.expand.length <= 2);
      assert.equal(st.stride, i < 2 ? 2 : 1);
      for (const list of [st.depth, st.width, st.kernel, st.expand])
        assert.deepEqual(
          list,
          [...new Set(list)].sort((a, b) => a - b),
          'distinct, ascending',
        );
    }
    const text = `name: g\nspace:\n${JSON.stringify(s)}\n`.replace('space:\n{', 'space: {');
    const errors = resolveConfig(text).problems.filter((p) => p.severity === 'error');
    assert.deepEqual(errors, [], `seed ${seed}`);
  }
});

void test('the shipped held-out example is seed 1’s space, untouched', () => {
  const doc = parse(readFileSync(path.join(root, 'examples', 'heldout.supernet.yaml'), 'utf8')) as {
    space: unknown;
  };
  assert.deepEqual(doc.space, generateSpace(1));
});
