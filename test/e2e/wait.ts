// Waiting on state with a deadline, shared by the e2e runner (Node) and the suite (extension
// host). Never a fixed sleep: the probe runs until it yields a value or the deadline passes.

/** Resolves after `ms`; only used between two probes of `waitFor`. */
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `probe` every `intervalMs` until it returns something other than `undefined`, and
 * returns that. Throws `Timed out after N ms waiting for WHAT` (with the last error the
 * probe threw, if any) once `timeoutMs` has passed.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const why = lastError ? ` (last error: ${(lastError as Error).message ?? lastError})` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await pause(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}

/** Rejects with `Timed out after N ms: WHAT` if `promise` has not settled by then. */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Timed out after ${timeoutMs} ms: ${what}`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
