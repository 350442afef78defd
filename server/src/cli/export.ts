import { ACCURACY_KIND_WORD } from '#shared/accuracyKinds';
import type { EngineEvent, ExportCommand } from '#shared/protocol/engine';
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
    },
  });
  if (typeof job === 'string') {
    o.err(`supernet export: ${job}`);
    return 2;
  }
  if (done?.type === 'export') {
    if (!o.json) {
      const d = done;
      const kindWord = ACCURACY_KIND_WORD[d.accuracyKind ?? 'inherited'];
      o.out(d.file);
      o.err(
        `exported ${d.key} (${d.bytes} bytes), verified in onnxruntime-node on the validation images: ` +
          `${kindWord} accuracy ${(100 * d.onnxAccuracy).toFixed(2)}%` +
          `${d.recordedAccuracy !== undefined ? ` (recorded ${(100 * d.recordedAccuracy).toFixed(2)}%)` : ''}, ` +
          `max |Δlogit| ${d.maxAbsDiff.toExponential(2)}, latency ${d.latencyMs.toFixed(3)} ms (batch 1, 1 thread); ` +
          `sidecar ${d.sidecarFile}`,
      );
    }
    return 0;
  }
  if (!failed) for (const l of crashReport('export', job)) o.err(l);
  return 1;
}
