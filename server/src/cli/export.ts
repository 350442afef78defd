import { ACCURACY_KIND_WORD } from '#shared/accuracyKinds';
import type { EngineEvent, ExportCommand, ExportEvent } from '#shared/protocol/engine';
import { crashReport, runEngineJob } from './engineJob';

export interface ExportCliOptions {
  command: ExportCommand;
  json: boolean;
  out: (s: string) => void;
  err: (s: string) => void;
  enginePath?: string;
}

/** Exports and verifies one subnet in an engine process; resolves to the exit code. */
export async function exportCli(o: ExportCliOptions): Promise<number> {
  let done: EngineEvent | undefined;
  let failed = false;
  const job = await runEngineJob(o.command, {
    ...(o.enginePath ? { enginePath: o.enginePath } : {}),
    err: o.err,
    interruptNote: 'stopping the export',
    onEvent: (e) => {
      if (o.json) o.out(JSON.stringify(e));
      if (e.type === 'export') done = e;
      if (e.type === 'log' && e.level === 'error') {
        failed = true;
        if (!o.json) o.err(`supernet export: ${e.message}`);
      }
      if (e.type === 'log' && e.level === 'warning' && !o.json)
        o.err(`supernet export: warning: ${e.message}`);
    },
  });
  if (typeof job === 'string') {
    o.err(`supernet export: ${job}`);
    return 2;
  }
  if (done?.type === 'export') {
    if (!o.json) {
      o.out(done.file);
      o.err(exportSummary(done));
    }
    return 0;
  }
  if (!failed) for (const l of crashReport('export', job)) o.err(l);
  return 1;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const ms = (x: number) => `${x < 10 ? x.toFixed(3) : x.toFixed(1)} ms`;

/** What an export wrote and measured, in words (stderr; stdout has the file alone). */
export function exportSummary(d: ExportEvent): string {
  const recorded = d.recordedAccuracy !== undefined ? ` (recorded ${pct(d.recordedAccuracy)})` : '';
  const kind = ACCURACY_KIND_WORD[d.accuracyKind ?? 'inherited'];
  const q = d.int8;
  if (!q)
    return (
      `exported ${d.key} as float32 (${d.bytes} bytes), verified in onnxruntime-node on the validation images: ` +
      `${kind} accuracy ${pct(d.onnxAccuracy)}${recorded}, max |Δlogit| ${d.maxAbsDiff.toExponential(2)}, ` +
      `latency ${ms(d.latencyMs)} (batch 1, 1 thread); sidecar ${d.sidecarFile}`
    );
  const { float32: f, int8: i } = q.latency;
  return [
    `exported ${d.key} as int8 (static, QDQ): ${d.bytes} bytes, float32's ${q.floatBytes} (×${(d.bytes / q.floatBytes).toFixed(2)})`,
    `  activation ranges: ${q.calibration} on ${q.calibrationImages} training images`,
    `  validation accuracy (${kind} weights): int8 ${pct(q.int8Accuracy)}, float32 ${pct(q.floatAccuracy)}${recorded}: ` +
      `drop ${q.accuracyDropPoints.toFixed(2)} points; same class on ${pct(q.agreement)} of the images`,
    `  max |Δlogit| int8 vs float32 ${q.maxAbsDiff.toExponential(2)} (float32 vs supernet ${d.maxAbsDiff.toExponential(2)})`,
    `  latency, 1 thread: batch 1 int8 ${ms(i.batch1Ms)} vs float32 ${ms(f.batch1Ms)} (×${(i.batch1Ms / f.batch1Ms).toFixed(2)}), ` +
      `batch 32 int8 ${ms(i.batch32Ms)} vs float32 ${ms(f.batch32Ms)} (×${(i.batch32Ms / f.batch32Ms).toFixed(2)})`,
    `  onnxruntime kernels: ${Object.entries(q.kernels)
      .map(([op, n]) => `${op}×${n}`)
      .join(', ')}`,
    `  sidecar ${d.sidecarFile}`,
  ].join('\n');
}
