import { packageVersion } from '#shared/packageVersion';
import type { ProbeEvent } from '#shared/protocol/engine';
import { runEngineJob } from './engineJob';

/**
 * `supernet version`: the version, and the backend training would use, as the engine
 * reports it after starting that backend (a missing runtime shows here first).
 */
export async function versionCli(
  json: boolean,
  io: { out: (s: string) => void; err: (s: string) => void },
): Promise<number> {
  const version = packageVersion() ?? 'unknown';
  let probe: ProbeEvent | undefined;
  const errors: string[] = [];
  const job = await runEngineJob(
    { type: 'probe' },
    {
      err: io.err,
      interruptNote: 'stopping',
      onEvent: (e) => {
        if (e.type === 'probe') probe = e;
        if (e.type === 'log' && e.level === 'error') errors.push(e.message);
      },
    },
  );
  if (json) {
    io.out(JSON.stringify({ version, ...(probe ? { engine: probe } : { errors }) }));
    return probe ? 0 : 1;
  }
  io.out(`supernet-studio ${version}`);
  if (!probe) {
    const why = typeof job === 'string' ? job : (errors[0] ?? `engine exit code ${job.code}`);
    io.err(`the engine could not start a backend: ${why}`);
    return 1;
  }
  io.out(
    `backend: ${probe.backend} (${probe.package}) on ${probe.platform}, node ${probe.node}, ${probe.cores} cores`,
  );
  for (const s of probe.skipped) io.out(`  skipped ${s.package}: ${s.reason}`);
  return 0;
}
