// Soak test of interruption and resume (issue 14): one training run interrupted N times at
// random moments — SIGKILL of the engine and its driver, Ctrl-C (SIGINT to the process
// group), or the driver killed alone — and resumed each time, must end with exactly the
// weights of the same run trained without interruption.
//
//   npm run build && node lab/soak-interrupts.mjs [--interruptions 100] [--steps 6000] [--seed 1]
//
// Prints one line per interruption and a JSON summary; exits 1 when the weights differ.
// Not part of npm test: it takes several minutes of one core.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'bin', 'supernet.js');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const INTERRUPTIONS = arg('interruptions', 100);
const STEPS = arg('steps', 6000);
let seed = arg('seed', 1);
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

const CONFIG = `name: soak
task: { validationSplit: 0.01 }
space:
  resolution: [20]
  stem: { width: 8, kernel: 3, stride: 2 }
  stages:
    - { depth: [1, 2], width: [8, 16], kernel: [3], expand: [1, 2], stride: 2 }
  head: { width: 16 }
train: { steps: ${STEPS}, batchSize: 8, checkpointEvery: 25, seed: 11, sampler: { type: sandwich, subnets: 3 } }
search: { bnRecalibrationBatches: 1 }
`;

/** The checkpoint's float data and step (the format of server/src/engine/storage/checkpoint.ts). */
function checkpoint(runDir) {
  const buf = readFileSync(path.join(runDir, 'checkpoint', 'checkpoint.bin'));
  const hlen = buf.readUInt32LE(8);
  const header = JSON.parse(buf.subarray(12, 12 + hlen).toString('utf8'));
  return { step: header.header.step, data: buf.subarray(12 + hlen), sha256: header.sha256 };
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
};
const sleep = (ms) => new Promise((r) => globalThis.setTimeout(r, ms));

/** One training process (new or resumed) in its own process group, with its engine's pid. */
function start(dir, args) {
  const child = spawn(process.execPath, [CLI, 'train', ...args, '--runs', 'runs', '--json'], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', () => undefined);
  const exited = new Promise((r) => child.on('exit', (code, sig) => r(sig ?? code)));
  const engine = () =>
    Number(
      spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')[0],
    ) || undefined;
  const lastStep = () => {
    const steps = out.split('\n').filter((l) => l.includes('"type":"step"'));
    return steps.length ? JSON.parse(steps[steps.length - 1]).step : undefined;
  };
  return { child, exited, engine, lastStep, output: () => out };
}

async function waitGone(pid) {
  for (let i = 0; pid && alive(pid) && i < 600; i++) await sleep(50);
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'supernet-soak-'));
  try {
    writeFileSync(path.join(dir, 'soak.supernet.yaml'), CONFIG);
    const t0 = Date.now();
    const ref = start(dir, ['soak.supernet.yaml']);
    await ref.exited;
    const refRun = readdirSync(path.join(dir, 'runs'))[0];
    const reference = checkpoint(path.join(dir, 'runs', refRun));
    console.log(
      `reference run: ${reference.step} steps in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );

    const kinds = { kill: 0, sigint: 0, driver: 0 };
    let runId;
    let interruptions = 0;
    let lostSteps = 0;
    const t1 = Date.now();
    for (;;) {
      const p = start(dir, runId ? ['--resume', runId] : ['soak.supernet.yaml']);
      // Until the engine trains, then a random moment within the next 1.5 s.
      for (let i = 0; i < 400 && p.lastStep() === undefined; i++) await sleep(25);
      runId ??= readdirSync(path.join(dir, 'runs')).find((r) => r !== refRun);
      if (interruptions >= INTERRUPTIONS) {
        await p.exited;
        break;
      }
      await sleep(random() * 1500);
      const engine = p.engine();
      const kind = ['kill', 'sigint', 'driver'][Math.floor(random() * 3)];
      const at = p.lastStep();
      if (kind === 'kill') {
        if (engine) process.kill(engine, 'SIGKILL');
        process.kill(-p.child.pid, 'SIGKILL');
      } else if (kind === 'sigint') process.kill(-p.child.pid, 'SIGINT');
      else process.kill(p.child.pid, 'SIGKILL');
      await p.exited;
      await waitGone(engine);
      const ck = checkpoint(path.join(dir, 'runs', runId));
      if (ck.step >= STEPS) {
        console.log(
          `the run completed before interruption ${interruptions + 1}: give more --steps`,
        );
        break;
      }
      interruptions++;
      kinds[kind]++;
      lostSteps += Math.max(0, (at ?? ck.step) - ck.step);
      console.log(`#${interruptions} ${kind} at step ~${at}: checkpoint at ${ck.step}`);
    }
    const final = checkpoint(path.join(dir, 'runs', runId));
    const same = final.step === reference.step && final.data.equals(reference.data);
    const summary = {
      interruptions,
      kinds,
      stepsRedone: lostSteps,
      finalStep: final.step,
      referenceSha256: reference.sha256,
      finalSha256: final.sha256,
      identical: same,
      seconds: Math.round((Date.now() - t1) / 1000),
    };
    console.log(JSON.stringify(summary));
    process.exitCode = same ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
