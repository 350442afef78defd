import { closeSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { writeFully } from './durable';

/**
 * run.lock: the one process writing a run (training or resuming it). Created exclusively
 * (O_EXCL); removed when the writer ends. A lock left by a process that no longer exists on
 * this machine (killed, crashed) is stale: the next writer takes it over, and readers show
 * the run as interrupted rather than running.
 */
export interface LockInfo {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
  /** What holds it: `train` or `resume`. */
  job: string;
}

export function parseLock(text: string | undefined): LockInfo | undefined {
  if (text === undefined) return undefined;
  try {
    const x = JSON.parse(text) as Partial<LockInfo>;
    if (typeof x.pid === 'number' && typeof x.host === 'string')
      return { pid: x.pid, host: x.host, since: String(x.since ?? ''), job: String(x.job ?? '') };
  } catch {
    // A lock torn by a crash while it was written: nobody holds it.
  }
  return undefined;
}

/**
 * Whether process `pid` runs (signal 0 checks without sending anything). A killed process
 * stays a zombie until it is reaped, and signal 0 still reaches a zombie: on Linux its
 * state in /proc says it is dead.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (not Linux): signal 0 is all there is
  }
}

/**
 * Whether the lock's holder may still be writing: a live process on this machine, or any
 * process on another machine (a shared folder: its liveness cannot be checked from here).
 */
export function lockHeld(lock: LockInfo | undefined): boolean {
  if (!lock) return false;
  return lock.host !== hostname() || processAlive(lock.pid);
}

export type LockResult =
  { ok: true; release: () => void; recovered?: LockInfo } | { ok: false; holder: LockInfo };

/** Takes the lock at `file` for this process, taking over a stale one; or says who holds it. */
export function acquireLock(file: string, job: string): LockResult {
  let recovered: LockInfo | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let text: string | undefined;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue; // released between our open and our read: try again
      }
      const holder = parseLock(text);
      if (holder && lockHeld(holder)) return { ok: false, holder };
      recovered = holder;
      try {
        unlinkSync(file);
      } catch {
        // another process took it over first; the next attempt sees its lock
      }
      continue;
    }
    const info: LockInfo = {
      pid: process.pid,
      host: hostname(),
      since: new Date().toISOString(),
      job,
    };
    try {
      writeFully(fd, Buffer.from(JSON.stringify(info) + '\n'), file);
    } finally {
      closeSync(fd);
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      try {
        if (parseLock(readFileSync(file, 'utf8'))?.pid === process.pid) unlinkSync(file);
      } catch {
        // already gone
      }
    };
    return { ok: true, release, ...(recovered ? { recovered } : {}) };
  }
  throw new Error(`Could not take the lock ${file}: it keeps changing hands.`);
}
