import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Rng } from '#shared/rng';
import { resolveConfig } from '../../../../server/src/config/resolve';
import { predictLatency } from '../../../../server/src/space/deviceTable';
import { archUnits, spaceUnits } from '../../../../server/src/space/latencyUnits';
import { subnetLayers } from '../../../../server/src/space/layers';
import { randomArch } from '../../../../server/src/space/randomArch';
import { largestArch, smallestArch } from '../../../../server/src/space/arch';
import {
  emptyModel,
  unitModel,
  wholeModel,
} from '../../../../server/src/engine/devices/unitModels';
import {
  acceptTimingTask,
  MAX_TIMING_TASK_CHARS,
  sha256Of,
  TIMING_FORMAT,
} from '../../../../server/src/engine/devices/deviceTasks';
import { lineFit, tableFit, tableQuality } from '../../../../server/src/engine/run/profileRun';
import * as ort from '../../../../server/src/engine/onnx/runtime';
import { handProfile } from '../../../fixtures/deviceProfiles';

const root = path.resolve(__dirname, '../../../../..');
const configOf = (name: string) =>
  resolveConfig(readFileSync(path.join(root, 'examples', `${name}.supernet.yaml`), 'utf8')).config;

void describe('a space cut into latency units', () => {
  for (const name of ['tiny', 'bench', 'latency']) {
    void test(`${name}: every unit of 300 random subnets is one of the space's units, and the units hold every layer once`, () => {
      const c = configOf(name);
      const keys = new Set(spaceUnits(c.space, c.task).map((u) => u.key));
      const rng = new Rng(1);
      for (let i = 0; i < 300; i++) {
        const arch = randomArch(c.space, c.task, rng);
        const units = archUnits(c.space, c.task, arch);
        for (const u of units) assert.ok(keys.has(u.key), `${u.key} is missing from spaceUnits`);
        assert.deepEqual(
          units.flatMap((u) => u.layers.map((l) => l.name)),
          subnetLayers(c.space, c.task, arch).map((l) => l.name),
        );
      }
    });
  }

  void test('the tiny space has 119 distinct units, counted by hand', () => {
    const c = configOf('tiny');
    const units = spaceUnits(c.space, c.task);
    // Resolutions 20, 24, 28; the stem and both stages halve: 10/12/14 → 5/6/7 → 3/3/4.
    assert.equal(units.filter((u) => u.kind === 'stem').length, 3);
    // Heads at 3×3 (two resolutions) and 4×4, each after width 24 or 32.
    assert.equal(units.filter((u) => u.kind === 'head').length, 2 * 2);
    // Stage 1 block 1: 3 sizes × 2 widths × 2 kernels × 2 expands (from the stem's 16);
    // block 2 the same at 5/6/7; stage 2 block 1: 3 sizes × 2 widths in × 2 out × 4;
    // block 2: 2 sizes (3 and 4) × 2 widths × 4.
    assert.equal(units.filter((u) => u.kind === 'block').length, 24 + 24 + 48 + 16);
    assert.equal(units.length, 119);
  });
});

void describe('a device table’s prediction', () => {
  void test('is the sum of the subnet’s unit times plus the overhead, computed by hand', () => {
    const c = configOf('tiny');
    const profile = handProfile('pi5', c);
    const order = spaceUnits(c.space, c.task).map((u) => u.key);
    for (const arch of [smallestArch(c.space, c.task), largestArch(c.space, c.task)]) {
      const p = predictLatency(profile, c.space, c.task, arch);
      assert.ok(typeof p !== 'string');
      // The n-th unit of spaceUnits takes n µs.
      const sum = archUnits(c.space, c.task, arch).reduce(
        (a, u) => a + (order.indexOf(u.key) + 1) / 1000,
        0,
      );
      assert.ok(Math.abs(p.ms - (sum + 0.005)) < 1e-12);
      assert.equal(p.fitted, true);
    }
  });

  void test('names the unit a table lacks, and uses the median overhead for a space it did not fit', () => {
    const c = configOf('tiny');
    const profile = handProfile('pi5', c);
    const arch = largestArch(c.space, c.task);
    const key = archUnits(c.space, c.task, arch)[1].key;
    const lacking = { ...profile, units: { ...profile.units } };
    delete lacking.units[key];
    assert.match(
      String(predictLatency(lacking, c.space, c.task, arch)),
      new RegExp(`no entry for ${key.replace(/[+>]/g, '.')}`),
    );
    const elsewhere = predictLatency(profile, c.space, c.task, arch, 'another space');
    assert.ok(typeof elsewhere !== 'string' && !elsewhere.fitted && elsewhere.overheadMs === 0.005);
  });
});

void describe('fitting and judging a table', () => {
  void test('lineFit: least squares by hand', () => {
    // x 1,2,3 y 2,4,7: mean x 2, mean y 13/3; sxy = (−1)(−7/3)+0+(1)(8/3) = 5, sxx = 2 → slope 2.5, constant 13/3 − 5 = −2/3.
    const f = lineFit([1, 2, 3], [2, 4, 7]);
    assert.ok(Math.abs(f.slope - 2.5) < 1e-12 && Math.abs(f.constant + 2 / 3) < 1e-12);
    assert.deepEqual(lineFit([4, 4, 4], [1, 2, 6]), { constant: 3, slope: 0 });
  });

  void test('tableFit: the model that predicts left-out subnets best, each exact on its own kind of data', () => {
    const counts = [5, 6, 7, 8, 9, 10];
    const sums = [0.1, 0.3, 0.2, 0.5, 0.4, 0.6];
    // The sum plus a constant 0.02 (nothing else helps): the median excess.
    const flat = tableFit(
      sums,
      counts,
      sums.map((v) => v + 0.02),
    );
    assert.ok(flat.scale === 1 && flat.perUnit === 0 && Math.abs(flat.constant - 0.02) < 1e-12);
    // The sum plus 0.1 − 0.01 per unit: the line.
    const line = tableFit(
      sums,
      counts,
      sums.map((v, i) => v + 0.1 - 0.01 * counts[i]),
    );
    assert.equal(line.scale, 1);
    assert.ok(Math.abs(line.constant - 0.1) < 1e-9 && Math.abs(line.perUnit + 0.01) < 1e-9);
    // A third of the sum plus 0.01 + 0.002 per unit: the scaled model.
    const scaled = tableFit(
      sums,
      counts,
      sums.map((v, i) => v / 3 + 0.01 + 0.002 * counts[i]),
    );
    assert.ok(Math.abs(scaled.scale - 1 / 3) < 1e-6, JSON.stringify(scaled));
    assert.ok(Math.abs(scaled.constant - 0.01) < 1e-6 && Math.abs(scaled.perUnit - 0.002) < 1e-6);
  });

  void test('tableQuality: ±10% share, RMSE, MAPE and τ by hand', () => {
    // Errors: +5%, −20%, 0, +9.75%.
    const q = tableQuality([1.05, 1.6, 3, 4.39], [1, 2, 3, 4]);
    assert.equal(q.within10, 0.75);
    assert.ok(Math.abs(q.rmseMs - Math.sqrt((0.0025 + 0.16 + 0 + 0.1521) / 4)) < 1e-12);
    assert.ok(Math.abs(q.mape - (5 + 20 + 0 + 9.75) / 4) < 1e-9);
    assert.equal(q.tau, 1);
    assert.deepEqual(q.measuredMs, { min: 1, max: 4 });
  });
});

void describe('the models a device times', () => {
  void test('each unit, its empty model and a whole subnet run in onnxruntime with the shapes they claim', async () => {
    const c = configOf('tiny');
    const units = spaceUnits(c.space, c.task);
    for (const u of [
      units[0],
      units[5],
      units.find((x) => x.key.endsWith('+res'))!,
      units.at(-1)!,
    ]) {
      for (const bytes of [unitModel(u), emptyModel(u.input)]) {
        const session = await ort.InferenceSession.create(bytes);
        const [h, w, ch] = u.input;
        const out = await session.run({
          images: new ort.Tensor('float32', new Float32Array(h * w * ch), [1, ch, h, w]),
        });
        assert.equal(Object.keys(out).length, 1);
        await session.release();
      }
    }
    const session = await ort.InferenceSession.create(
      wholeModel(c.space, c.task, largestArch(c.space, c.task)),
    );
    const out = await session.run({
      images: new ort.Tensor('float32', new Float32Array(784), [1, 1, 28, 28]),
    });
    assert.deepEqual(out.logits.dims, [1, 10]);
    await session.release();
  });
});

void describe('a timing task as a device worker reads it', () => {
  const model = Buffer.from('onnx bytes');
  const task = (o: Record<string, unknown> = {}) => ({
    kind: 'time',
    format: TIMING_FORMAT,
    version: '1.0.0',
    device: 'pi5',
    settings: { batch: 1, warmup: 1, runs: 3 },
    models: [{ sha256: sha256Of(model), onnx: model.toString('base64') }],
    ...o,
  });
  void test('is accepted whole, its bytes decoded', () => {
    const got = acceptTimingTask(task(), '1.0.0', 'pi5');
    assert.ok(typeof got !== 'string');
    assert.deepEqual(Buffer.from(got.models[0]), model);
  });
  void test('is refused, with the reason, for another version, another device, a lie, too many runs or too much data', () => {
    assert.match(String(acceptTimingTask(task(), '2.0.0', 'pi5')), /Install the same version/);
    assert.match(String(acceptTimingTask(task(), '1.0.0', 'pi4')), /for device pi5, this is pi4/);
    assert.match(
      String(
        acceptTimingTask(
          task({
            models: [{ sha256: sha256Of(Buffer.from('x')), onnx: model.toString('base64') }],
          }),
          '1.0.0',
          'pi5',
        ),
      ),
      /do not hash/,
    );
    assert.match(
      String(
        acceptTimingTask(task({ settings: { batch: 1, warmup: 1, runs: 10_000 } }), '1.0.0', 'pi5'),
      ),
      /task\.settings\.runs/,
    );
    assert.match(
      String(
        acceptTimingTask(task({ padding: 'x'.repeat(MAX_TIMING_TASK_CHARS) }), '1.0.0', 'pi5'),
      ),
      /larger than 24 MiB/,
    );
  });
});
