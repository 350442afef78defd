import { performance } from 'node:perf_hooks';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { getLanguageService } from '../language/languageService';
import { benchConfigText } from './benchConfig';
import { benchDecode } from './benchDecode';
import { benchEngine, type EngineBench } from './benchEngine';
import { benchSearch } from './benchSearch';
import { rankingCommands } from './rankingCommands';
import { numberArg } from './args';
import type { BackendPreference } from '../engine/backend/selectBackend';

/** Median and 95th percentile of a sample. */
export function percentiles(xs: number[]): { p50: number; p95: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { p50: at(0.5), p95: at(0.95) };
}

/** Time to diagnose a 200-line config: parse, schema check, semantics, facts, LSP diagnostics. */
export function benchDiagnose(
  runs = 300,
  warmup = 30,
): { lines: number; runs: number; p50: number; p95: number; diagnostics: number } {
  const text = benchConfigText(200);
  const service = getLanguageService({ memoryLimitBytes: 24 * 2 ** 30 });
  const times: number[] = [];
  let diagnostics = 0;
  for (let i = 0; i < warmup + runs; i++) {
    // A new version each time, as after a keystroke: nothing is served from the cache.
    const doc = TextDocument.create('file:///bench.supernet.yaml', 'supernet', i, text);
    const t0 = performance.now();
    diagnostics = service.validate(doc).length;
    const dt = performance.now() - t0;
    if (i >= warmup) times.push(dt);
  }
  return { lines: text.split('\n').length - 1, runs, ...percentiles(times), diagnostics };
}

/** `--threads 1,2,4` (or `--threads=1,2,4`): the counts of a scaling curve. */
function threadCounts(args: string[]): number[] | undefined {
  const i = args.findIndex((a) => a === '--threads' || a.startsWith('--threads='));
  if (i < 0) return undefined;
  const text = args[i].includes('=') ? args[i].slice('--threads='.length) : (args[i + 1] ?? '');
  const counts = text.split(',').map(Number);
  if (!counts.length || counts.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`--threads takes whole numbers ≥ 1 separated by commas, not '${text}'`);
  return counts;
}

function scalingText(s: NonNullable<EngineBench['scaling']>): string {
  const rows = s.points.map(
    (p, i) =>
      `  ${p.threads} thread(s): train step ${p.step_ms} ms, sandwich ${p.sandwich_ms} ms ` +
      `(${s.speedup[i].sandwich_ms}x), evaluation ${p.eval_img_s} img/s (${s.speedup[i].eval_img_s}x)\n`,
  );
  return `scaling (medians; ratios to ${s.points[0].threads} thread(s)):\n` + rows.join('');
}

async function main(args: string[]): Promise<void> {
  const json = args.includes('--json');
  if (await rankingCommands(args, json)) return;
  if (args.includes('--engine')) {
    const backend = args.find((a) => a.startsWith('--backend='))?.slice('--backend='.length);
    const curve = threadCounts(args);
    const rounds = numberArg(args, '--rounds');
    const steps = numberArg(args, '--steps');
    const r = await benchEngine({
      ...(backend ? { backend: backend as BackendPreference } : {}),
      ...(curve ? { threads: curve, skipTfjsEval: true } : {}),
      ...(rounds ? { rounds } : {}),
      ...(steps ? { steps, warmup: Math.min(3, steps) } : {}),
    });
    if (json) process.stdout.write(JSON.stringify({ bench: 'engine', ...r }) + '\n');
    else {
      process.stdout.write(
        `engine ${r.engine} on ${r.backend}, ${r.threads} thread(s), ${r.config} (${r.params} params, batch ${r.batch}, 28x28x1):\n` +
          `  train step, largest subnet   ${r.step_ms} ms (median)  ${r.train_img_s} img/s\n` +
          `  sandwich step (4 subnets, KD) ${r.sandwich_ms} ms (median)\n` +
          `  inference, largest subnet    ${r.infer_img_s} img/s\n` +
          `  candidate evaluation, largest subnet (BN recalibration + accuracy) ` +
          `${r.eval_img_s} img/s (onnxruntime-node), ${r.eval_tfjs_img_s ?? '(skipped)'} img/s (tfjs)\n` +
          (r.scaling ? scalingText(r.scaling) : ''),
      );
    }
    return;
  }
  if (args.includes('--decode')) {
    const r = await benchDecode();
    if (json) process.stdout.write(JSON.stringify({ bench: 'decode', ...r }) + '\n');
    else
      process.stdout.write(
        `image folder of ${r.images} ${r.size} (${r.decoder}): first run ${r.first_img_s} images/s, ` +
          `cached run ${r.cached_img_s} images/s\n`,
      );
    return;
  }
  if (args.includes('--search')) {
    const backend = args.find((a) => a.startsWith('--backend='))?.slice('--backend='.length);
    const given = args.find((a) => a.startsWith('--subnets='))?.slice(10);
    const subnets = given === undefined ? undefined : Number(given);
    const r = await benchSearch({
      ...(subnets !== undefined && Number.isInteger(subnets) && subnets > 0 ? { subnets } : {}),
      ...(backend ? { backend: backend as BackendPreference } : {}),
    });
    if (json) process.stdout.write(JSON.stringify({ bench: 'search', ...r }) + '\n');
    else {
      const l = r.latency_ms;
      process.stdout.write(
        `search on ${r.backend} (${r.engine}), ${r.config}:\n` +
          `  subnet evaluation (BN recalibration on ${r.calibration_images} + accuracy on ${r.validation_images} images): ` +
          `${r.evals_per_s} evals/s with ${r.threads} thread(s), ${r.evals_per_s_1thread} with 1 (${r.thread_speedup}x), ${r.eval_img_s} img/s\n` +
          `  onnxruntime-node latency, batch 1, 1 thread (median): smallest ${l.smallest} ms, ` +
          `largest ${l.largest} ms, random subnets ${l.random_median} ms\n` +
          `  ONNX model build: ${r.export_ms} ms per subnet\n`,
      );
    }
    return;
  }
  const r = benchDiagnose();
  if (json) process.stdout.write(JSON.stringify({ bench: 'diagnose', ...r }) + '\n');
  else {
    process.stdout.write(
      `diagnose ${r.lines}-line config (${r.diagnostics} findings), ${r.runs} runs: p50 ${r.p50.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms\n`,
    );
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: Error) => {
    process.stderr.write(`bench: ${e.stack ?? e.message}\n`);
    process.exitCode = 1;
  });
}
