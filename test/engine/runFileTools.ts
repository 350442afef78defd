// Tools of the fault suites for a run folder's files: a fingerprint of every byte, and the
// checkpoint's header rewritten as a hand edit or a bad writer would leave it.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Every file under `dir` (relative path → SHA-256) and every folder (→ 'folder'), the lock
 * file aside: it comes and goes.
 */
export function fingerprint(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) {
        out.set(path.relative(dir, p) + path.sep, 'folder');
        walk(p);
      } else if (name !== 'run.lock')
        out.set(path.relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

/** The files whose bytes differ between two fingerprints (added, removed or changed). */
export function changedFiles(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((n) => before.get(n) !== after.get(n)).sort();
}

/**
 * Rewrites a checkpoint's JSON header (magic, 4-byte length, header, tensor data). With
 * `dropHeaderChecksum` the header's own checksum goes too, as in a file written before it
 * existed: then only the check of every field stands between the edit and the run.
 */
export function editCheckpointHeader(
  file: string,
  edit: (outer: Record<string, unknown> & { header: Record<string, unknown> }) => void,
  opts: { dropHeaderChecksum?: boolean } = {},
): void {
  const buf = readFileSync(file);
  const len = buf.readUInt32LE(8);
  const outer = JSON.parse(buf.subarray(12, 12 + len).toString('utf8')) as Record<
    string,
    unknown
  > & { header: Record<string, unknown> };
  edit(outer);
  if (opts.dropHeaderChecksum) delete outer.headerSha256;
  const header = Buffer.from(JSON.stringify(outer), 'utf8');
  const lenBuf = Buffer.alloc(4);
  lenBuf.writeUInt32LE(header.length);
  writeFileSync(file, Buffer.concat([buf.subarray(0, 8), lenBuf, header, buf.subarray(12 + len)]));
}
