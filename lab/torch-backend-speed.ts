// The bench net's sandwich step (largest + smallest + 2 random, in-place distillation, batch
// 64) on the pytorch backend, 1 process × 2 threads and 2 processes × 1 thread (torchrun,
// DDP, synchronised batch norm), against the engine's own tfjs step on 2 threads: rounds
// alternated in one run, medians and ranges, the load stated (#31).
//   npx tsc -b && node out/lab/torch-backend-speed.js [--rounds 4] [--steps 8] [--out lab/results/torch/speed.json]
// Needs /usr/bin/python3 with torch. Run it on a quiet machine.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { resolveConfig } from '../server/src/config/resolve';
import { benchSetup } from '../server/src/bench/benchEngine';
import { selectBackend } from '../server/src/engine/backend/selectBackend';
import { initialSupernet } from '../server/src/engine/model/supernet';
import { serialStepRunner, type StepOptions } from '../server/src/engine/train/trainStep';
import type { SampledSubnet } from '../server/src/engine/train/samplers/samplerTypes';
import { openStepRunner } from '../server/src/engine/threads/stepRunner';
import { ComputeProcess } from '../server/src/engine/torch/computeProcess';
import { TorchStepRunner } from '../server/src/engine/torch/torchStepRunner';
import { findTorchPython } from '../server/src/python/pythonEnv';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const rounds = Number(arg('rounds', '4'));
const steps = Number(arg('steps', '8'));
const out = path.resolve(arg('out', 'lab/results/torch/speed.json'));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const config = resolveConfig(readFileSync('examples/bench.supernet.yaml', 'utf8')).config;
  await selectBackend('wasm');
  // The bench's own batch and four sandwiches (largest, smallest, two random), as `npm run bench` times them.
  const { x, y, sandwiches } = benchSetup(config, 'wasm', steps, 2);
  const opts: StepOptions = {
    distillation: true,
    lr: 0.01,
    wantFeedback: false,
    wantErrorNorms: false,
  };
  const parts = () => {
    const net = initialSupernet(config);
    const { optimizer, runner } = serialStepRunner(net, config.train);
    return {
      net,
      optimizer,
      runner,
      split: undefined,
      stateTensors: () => [...net.namedVariables(), ...optimizer.namedSlots()],
    };
  };
  const tfjsParts = parts();
  const tfjs = await openStepRunner(tfjsParts, config, 'wasm', 2);
  const python = findTorchPython({ device: 'cpu', world: 2 });
  const layouts: [string, (s: SampledSubnet[]) => Promise<unknown>][] = [
    ['tfjs wasm, 2 threads', async (s) => tfjs.run(s, x, y, opts)],
  ];
  const computes: ComputeProcess[] = [];
  // OpenMP's threads spin a little while they wait (GOMP's default), PASSIVE makes them sleep
  // at once: measured here to choose the default. (ACTIVE, which spins for ever, is left out:
  // its idle threads take a core from every other layout of the round.)
  for (const [name, nproc, threads, wait] of [
    ['pytorch 1 process × 2 threads', 1, 2, undefined],
    ['pytorch 2 processes × 1 thread', 2, 1, undefined],
    ['pytorch 1 process × 2 threads, OMP_WAIT_POLICY=PASSIVE', 1, 2, 'PASSIVE'],
  ] as const) {
    if (wait) process.env.OMP_WAIT_POLICY = wait;
    else delete process.env.OMP_WAIT_POLICY;
    const compute = await ComputeProcess.open({
      python,
      device: 'cpu',
      threads,
      nprocPerNode: nproc,
      nnodes: 1,
      rdzvTimeout: 60,
    });
    computes.push(compute);
    const runner = new TorchStepRunner(parts(), config, compute);
    layouts.push([name, (s) => runner.run(s, x, y, opts)]);
  }
  const times: Record<string, number[]> = Object.fromEntries(layouts.map(([n]) => [n, []]));
  const loads: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const [name, step] of layouts) {
      for (let i = 0; i < 2; i++) await step(sandwiches[i % 4]); // warm-up
      const each: number[] = [];
      for (let i = 0; i < steps; i++) {
        const t0 = performance.now();
        await step(sandwiches[i % 4]);
        each.push(performance.now() - t0);
      }
      times[name].push(median(each));
      loads.push(loadavg()[0]);
      console.log(
        `round ${r + 1}: ${name}: ${median(each).toFixed(0)} ms (load ${loadavg()[0].toFixed(2)})`,
      );
    }
  }
  const ref = times[layouts[0][0]];
  const rows = layouts.map(([name]) => ({
    layout: name,
    sandwich_ms: {
      median: median(times[name]),
      min: Math.min(...times[name]),
      max: Math.max(...times[name]),
    },
    vs_tfjs: {
      median: median(times[name].map((t, i) => t / ref[i])),
      min: Math.min(...times[name].map((t, i) => t / ref[i])),
      max: Math.max(...times[name].map((t, i) => t / ref[i])),
    },
    rounds: times[name],
  }));
  const result = {
    net: 'examples/bench.supernet.yaml',
    batch: config.train.batchSize,
    rounds,
    stepsPerRound: steps,
    torch: computes[0].hello!.torch,
    load: { min: Math.min(...loads), max: Math.max(...loads) },
    rows,
  };
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  for (const row of rows)
    console.log(
      `${row.layout.padEnd(32)} ${row.sandwich_ms.median.toFixed(0)} ms [${row.sandwich_ms.min.toFixed(0)}–${row.sandwich_ms.max.toFixed(0)}], ×${row.vs_tfjs.median.toFixed(2)} tfjs [${row.vs_tfjs.min.toFixed(2)}–${row.vs_tfjs.max.toFixed(2)}]`,
    );
  await tfjs.close();
  for (const c of computes) await c.close();
}

void main();
