// Stopping what the e2e runner started, by process id: the process group of a child started
// with `detached: true`, plus any descendant that left the group.
import { readdirSync, readFileSync } from 'node:fs';
import { waitFor } from './wait';

/** Parent and state of a process from /proc/PID/stat; undefined once it is gone. */
function stat(pid: number): { ppid: number; state: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself hold spaces or parentheses.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** Whether `pid` still runs (a zombie waiting for its parent counts as gone). */
export function isRunning(pid: number): boolean {
  const s = stat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

/** Every live descendant of `root` (children, their children, …), from /proc. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (!s) continue;
    children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const todo = [...(children.get(root) ?? [])];
  while (todo.length) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/**
 * Stops `pid` (a group leader: spawned with `detached: true`), its process group and every
 * descendant: SIGTERM, then SIGKILL for whatever still runs after `graceMs`.
 */
export async function killTree(pid: number, graceMs = 5000): Promise<void> {
  const all = [pid, ...descendants(pid)];
  signal(-pid, 'SIGTERM');
  for (const p of all) signal(p, 'SIGTERM');
  try {
    await waitFor(
      `process ${pid} and its descendants to exit`,
      () => (all.some(isRunning) ? undefined : true),
      graceMs,
      50,
    );
  } catch {
    signal(-pid, 'SIGKILL');
    for (const p of [...all, ...descendants(pid)]) if (isRunning(p)) signal(p, 'SIGKILL');
  }
}
