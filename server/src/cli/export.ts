import { ACCURACY_KIND_WORD } from '#shared/accuracyKinds';
import type { ExportCommand, ExportEvent } from '#shared/protocol/engine';
import { runCliJob, type CliIo } from './cliJob';

export interface ExportCliOptions extends CliIo {
  command: ExportCommand;
}

/** Exports and verifies one subnet in an engine process; resolves to the exit code. */
export function exportCli(o: ExportCliOptions): Promise<number> {
  return runCliJob(o.command, o, {
    name: 'export',
    interruptNote: 'stopping the export',
    isEnd: (e) => e.type === 'export',
    quietOnLoggedError: true,
    show(e, say) {
      if (e.type !== 'export') return;
      say.out(e.file);
      say.line(exportSummary(e));
    },
  });
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
