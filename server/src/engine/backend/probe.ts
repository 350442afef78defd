import { availableParallelism } from 'node:os';
import type { ProbeEvent } from '#shared/protocol/engine';
import { selectBackend, type BackendPreference } from './selectBackend';

/** Starts the backend training would use and says which it is and what it skipped. */
export async function probeBackend(pref: string): Promise<ProbeEvent> {
  const b = await selectBackend(pref as BackendPreference);
  return {
    type: 'probe',
    time: Date.now(),
    backend: b.name,
    package: b.package,
    skipped: (b.fellBackFrom ?? []).map((p) => ({
      package: p,
      reason: b.fallbackReasons?.[p] ?? '',
    })),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cores: availableParallelism(),
  };
}
