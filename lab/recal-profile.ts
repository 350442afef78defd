#!/usr/bin/env node
// Where batch-norm recalibration's time goes in onnxruntime-node: the reference net's largest
// subnet (examples/bench.supernet.yaml), one onnxruntime thread, as images/s of
//   cal       the recalibration graph (buildCalibrationModel: a Scan over 10 batches of 64)
//   perbatch  its body run once per batch (10 calls)
//   infer     the exported eval-mode graph on the same 640 images, 16 a call (validation's)
// and with --profile, onnxruntime's per-operator time of the variant.
//
//   npx tsc -b && node out/lab/recal-profile.js [cal|perbatch|infer] [--profile]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Rng } from '#shared/rng';
import type { SupernetConfig } from '../server/src/config/configSchema';
import { resolveConfig } from '../server/src/config/resolve';
import { selectBackend } from '../server/src/engine/backend/selectBackend';
import { weightsOf } from '../server/src/engine/evaluate/evaluateOnnx';
import { Supernet } from '../server/src/engine/model/supernet';
import * as g from '../server/src/engine/onnx/onnxGraph';
import * as ort from '../server/src/engine/onnx/runtime';
import { largestArch } from '../server/src/space/arch';

const root = path.resolve(__dirname, '../..');
const variant = process.argv[2] ?? 'cal';
const profile = process.argv.includes('--profile');
const BATCH = 64;
const BATCHES = 10;
const CHUNK = 16;

function feedsOf(
  config: SupernetConfig,
  weights: g.SubnetWeights,
  data: Float32Array,
): { model: ReturnType<typeof g.buildOnnxModel>; feeds: Record<string, ort.Tensor>[] } {
  const [H, W, C] = config.task.input;
  const image = C * H * W;
  const input = { input: config.task.input };
  const tensor = (from: number, n: number) =>
    new ort.Tensor('float32', data.subarray(from * image, (from + n) * image), [n, C, H, W]);
  if (variant === 'cal')
    return {
      model: g.buildCalibrationModel(weights, input),
      feeds: [
        { [g.CALIBRATION_INPUT]: new ort.Tensor('float32', data, [BATCHES, BATCH, C, H, W]) },
      ],
    };
  if (variant === 'perbatch')
    return {
      model: g.buildOnnxModel(weights, { ...input, batchStatistics: true }),
      feeds: [...Array(BATCHES)].map((_, i) => ({ [g.INPUT_NAME]: tensor(i * BATCH, BATCH) })),
    };
  if (variant === 'infer')
    return {
      model: g.buildOnnxModel(weights, input),
      feeds: [...Array((BATCHES * BATCH) / CHUNK)].map((_, i) => ({
        [g.INPUT_NAME]: tensor(i * CHUNK, CHUNK),
      })),
    };
  throw new Error(`unknown variant ${variant}: cal, perbatch or infer`);
}

/** One event of onnxruntime's profile (Chrome trace format); nodes carry their op. */
interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args: { op_name: string };
}

/** Total kernel time per operator type in an onnxruntime profile. */
function operatorTimes(file: string): string[] {
  const byOp = new Map<string, number>();
  for (const e of JSON.parse(fs.readFileSync(file, 'utf8')) as ProfileEvent[]) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const op = e.args.op_name;
    byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
  }
  const total = [...byOp.values()].reduce((a, b) => a + b, 0);
  return [...byOp]
    .sort((a, b) => b[1] - a[1])
    .map(
      ([op, us]) =>
        `${op.padEnd(22)} ${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%`,
    );
}

async function main() {
  await selectBackend('wasm');
  const file = path.join(root, 'examples', 'bench.supernet.yaml');
  const config = resolveConfig(fs.readFileSync(file, 'utf8')).config;
  const net = new Supernet(config.space, config.task, new Rng(0));
  const weights = weightsOf(net, largestArch(config.space, config.task));
  const [H, W, C] = config.task.input;
  const rng = new Rng(1);
  const data = Float32Array.from({ length: BATCHES * BATCH * C * H * W }, () => rng.normal());
  const { model, feeds } = feedsOf(config, weights, data);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recal-profile-'));
  const session = await ort.InferenceSession.create(g.encodeModel(model), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableProfiling: profile,
    profileFilePrefix: path.join(dir, variant),
  });
  const rates: number[] = [];
  for (let rep = 0; rep < 4; rep++) {
    const t0 = performance.now();
    for (const f of feeds) await session.run(f);
    rates.push(Math.round((BATCHES * BATCH * 1000) / (performance.now() - t0)));
  }
  process.stdout.write(
    `${variant}: ${rates.join(', ')} img/s (4 passes over ${BATCHES * BATCH} images)\n`,
  );
  if (profile) {
    session.endProfiling();
    const written = fs.readdirSync(dir).find((f) => f.endsWith('.json'));
    process.stdout.write(operatorTimes(path.join(dir, written!)).join('\n') + '\n');
  }
  await session.release();
  fs.rmSync(dir, { recursive: true, force: true });
  net.dispose();
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e) : String(e)}\n`);
  process.exit(1);
});
