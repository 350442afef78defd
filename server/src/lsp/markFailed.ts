import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { RunPaths } from '#shared/runFolder/layout';
import { parseRunMeta } from '#shared/runFolder/records';
import { atomicWrite } from '#shared/runFolder/durable';

/**
 * Sets a run's run.json status to failed when it still says running: an engine that
 * crashed could not record its own end, and the run must not read as running after a
 * restart.
 */
export function markFailed(runsDir: string, runId: string): void {
  const run = new RunPaths(path.join(runsDir, runId));
  if (!existsSync(run.metaFile)) return; // the engine failed before creating the run
  try {
    const raw: unknown = JSON.parse(readFileSync(run.metaFile, 'utf8'));
    if (parseRunMeta(raw)?.status !== 'running') return;
    atomicWrite(
      run.metaFile,
      JSON.stringify({ ...(raw as object), status: 'failed' }, null, 2) + '\n',
    );
  } catch {
    // An unreadable run.json: the summary reads it as unknown either way.
  }
}
