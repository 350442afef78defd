import { createHmac, timingSafeEqual } from 'node:crypto';
import { readRunTextSync } from '#shared/runFolder/safeRead';

/**
 * Jobs and results on a worker fleet's queue, authenticated: whoever can write to Redis
 * can add jobs and results, so each carries an HMAC-SHA256 of its canonical JSON under a
 * secret the fleet's machines share. The secret comes from the environment, never from the
 * command line (which `ps` shows): SUPERNET_FLEET_SECRET, or SUPERNET_FLEET_SECRET_FILE
 * naming a file that holds it.
 */

export const SECRET_ENV = 'SUPERNET_FLEET_SECRET';
export const SECRET_FILE_ENV = 'SUPERNET_FLEET_SECRET_FILE';
const MIN_SECRET_CHARS = 16;
const MAX_SECRET_FILE_BYTES = 4096;

/** The fleet's secret, undefined when none is configured; throws when it is unusable. */
export function fleetSecret(env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  let text = env[SECRET_ENV];
  const file = env[SECRET_FILE_ENV];
  if (text === undefined && file) text = readSecretFile(file);
  if (text === undefined) return undefined;
  const secret = text.trim();
  if (secret.length < MIN_SECRET_CHARS)
    throw new Error(
      `The fleet secret (${file ? SECRET_FILE_ENV : SECRET_ENV}) is shorter than ${MIN_SECRET_CHARS} characters.`,
    );
  return Buffer.from(secret, 'utf8');
}

function readSecretFile(file: string): string {
  const text = readRunTextSync(file, MAX_SECRET_FILE_BYTES);
  if (text === undefined)
    throw new Error(
      `Cannot read the fleet secret file ${file}: it must be a regular file (no link) of at most ${MAX_SECRET_FILE_BYTES} bytes.`,
    );
  return text;
}

/** JSON with every object's keys sorted: the same value always gives the same text. */
export function canonicalJson(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonicalJson).join(',')}]`;
  if (typeof x === 'object' && x !== null)
    return `{${Object.keys(x)
      .sort()
      .filter((k) => (x as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((x as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(x);
}

/** The HMAC of `payload` (its `mac` field left out), hex. */
export function macOf(secret: Buffer, payload: object): string {
  const rest = { ...(payload as Record<string, unknown>), mac: undefined };
  return createHmac('sha256', secret).update(canonicalJson(rest)).digest('hex');
}

/** `payload` with its `mac`. */
export function signed<T extends object>(secret: Buffer, payload: T): T & { mac: string } {
  return { ...payload, mac: macOf(secret, payload) };
}

/** Whether `payload.mac` is the HMAC of the rest of it under `secret`. */
export function verifyMac(secret: Buffer, payload: unknown): boolean {
  if (typeof payload !== 'object' || payload === null) return false;
  const mac = (payload as { mac?: unknown }).mac;
  if (typeof mac !== 'string' || !/^[0-9a-f]{64}$/.test(mac)) return false;
  return timingSafeEqual(Buffer.from(mac, 'hex'), Buffer.from(macOf(secret, payload), 'hex'));
}

/**
 * Why a task's signature does not let it run on a worker with `secret` (none: unsigned
 * tasks only), or undefined when it may run.
 */
export function unsignedReason(secret: Buffer | undefined, task: unknown): string | undefined {
  if (secret)
    return verifyMac(secret, task)
      ? undefined
      : "the job is not signed with this fleet's secret (forged, or sent by a search with another secret or none)";
  const mac = (task as { mac?: unknown } | null)?.mac;
  return mac !== undefined ? 'the task is signed, but this worker has no fleet secret' : undefined;
}

/**
 * What a result's MAC covers besides its figures: where it is kept (the hash, by checkpoint
 * or recipe, and the field, by subnet), so a signed result cannot be copied to another
 * subnet or checkpoint.
 */
export const resultPayload = (hash: string, field: string, stored: object): object => ({
  ...stored,
  at: `${hash}/${field}`,
});

/** The warning each start of a search or worker gives when no secret is set. */
export const UNSIGNED_WARNING =
  `No fleet secret (${SECRET_ENV} or ${SECRET_FILE_ENV}): jobs and results on this queue are ` +
  'not authenticated, and anyone who can write to it can forge an accuracy. Set the same ' +
  'secret on the searching machine and every worker.';
