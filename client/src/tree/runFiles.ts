import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { RunSummary } from '../../../server/src/protocol/lsp';
import {
  markFront,
  parseCandidates,
  parsePareto,
  summaryFromFolder,
  withArchFrom,
  type SubnetRow,
} from './runTreeModel';

/** Reads a run folder for the tree. No `vscode`: the folder is the source of truth. */

const readText = (file: string): Promise<string | undefined> =>
  readFile(file, 'utf8').catch(() => undefined);

export interface RunSubnets {
  front: SubnetRow[];
  all: SubnetRow[];
  /** Keys with `<run>/exports/<key>.onnx` on disk. */
  exported: Set<string>;
}

export async function readRunSubnets(runDir: string): Promise<RunSubnets> {
  const [candidatesText, paretoText, exportNames] = await Promise.all([
    readText(path.join(runDir, 'candidates.jsonl')),
    readText(path.join(runDir, 'pareto.json')),
    readdir(path.join(runDir, 'exports')).catch(() => [] as string[]),
  ]);
  const candidates = candidatesText ? parseCandidates(candidatesText).rows : [];
  const front = withArchFrom((paretoText && parsePareto(paretoText)) || [], candidates);
  const exported = new Set(
    exportNames.filter((n) => n.endsWith('.onnx')).map((n) => n.slice(0, -'.onnx'.length)),
  );
  return { front, all: markFront(candidates, front), exported };
}

/** The runs of a folder read straight from disk, for when the server cannot list them. */
export async function listRunsFromDisk(runsDir: string): Promise<RunSummary[]> {
  const names = await readdir(runsDir).catch(() => [] as string[]);
  const runs = await Promise.all(
    names.map(async (id) => {
      const dir = path.join(runsDir, id);
      const isDir = await stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      );
      if (!isDir) return undefined;
      const [runJson, candidates, pareto] = await Promise.all([
        readText(path.join(dir, 'run.json')),
        readText(path.join(dir, 'candidates.jsonl')),
        readText(path.join(dir, 'pareto.json')),
      ]);
      if (runJson === undefined) return undefined;
      return summaryFromFolder(dir, id, runJson, candidates, pareto !== undefined);
    }),
  );
  return runs.filter((r): r is RunSummary => r !== undefined);
}
