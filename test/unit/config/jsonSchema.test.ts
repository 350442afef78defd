import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configSchema } from '../../../server/src/config/configSchema';
import { buildJsonSchemaText } from '../../../server/src/config/jsonSchema';

const repoRoot = path.resolve(__dirname, '../../../..');

void describe('schemas/supernet.schema.json', () => {
  void test('is exactly buildJsonSchemaText(): it cannot go stale (regenerate with `npm run build`)', () => {
    const onDisk = fs.readFileSync(path.join(repoRoot, 'schemas/supernet.schema.json'), 'utf8');
    assert.equal(onDisk, buildJsonSchemaText());
  });

  void test('mirrors the config language: sections, required keys, enums, choices', () => {
    const s = JSON.parse(buildJsonSchemaText());
    assert.equal(s.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.deepEqual(Object.keys(s.properties), Object.keys(configSchema.fields));
    assert.deepEqual(s.required, ['space']);
    assert.equal(s.additionalProperties, false);
    assert.deepEqual(s.properties.space.required, ['stages']);
    assert.deepEqual(s.properties.space.properties.stages.items.required, ['depth', 'width']);
    const kernel = s.properties.space.properties.stages.items.properties.kernel;
    assert.equal(kernel.uniqueItems, true);
    assert.deepEqual(kernel.default, [3, 5, 7]);
    assert.deepEqual(s.properties.train.properties.optimizer.properties.type.enum, ['sgd', 'adam']);
    assert.deepEqual(Object.keys(s.properties.search.properties.objectives.properties), [
      'accuracy',
      'macs',
      'params',
      'latency',
      'flops',
    ]);
    assert.equal(s.properties.train.properties.batchSize.description, 'Images per step.');
  });
});
