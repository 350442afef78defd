import { readdir } from 'node:fs/promises';
import { readRunText } from '#shared/runFolder/safeRead';
import { exportKeyOf, RunPaths } from '#shared/runFolder/layout';
import { lastByKey, parseJsonLines, parseJsonText } from '#shared/runFolder/jsonl';
import {
  parseCandidate,
  parseFinetuneResult,
  parseParetoFront,
  parseStandaloneRecord,
  type FinetuneResult,
} from '#shared/runFolder/records';
import { subnetRows, type SubnetRow } from './runTreeModel';

/** Reads a run folder for the tree. No `vscode`: the folder is the source of truth. */

export interface RunSubnets {
  front: SubnetRow[];
  all: SubnetRow[];
  /** Keys with `<run>/exports/<key>.onnx` on disk. */
  exported: Set<string>;
}

export async function readRunSubnets(runDir: string): Promise<RunSubnets> {
  const run = new RunPaths(runDir);
  const [candidatesText, paretoText, exportNames, standaloneText, finetunes] = await Promise.all([
    readRunText(run.candidatesFile),
    readRunText(run.paretoFile),
    readdir(run.exportsDir).catch(() => [] as string[]),
    readRunText(run.standaloneFile),
    readFinetunes(runDir),
  ]);
  const candidates = lastByKey(parseJsonLines(candidatesText, parseCandidate).records);
  const rows = subnetRows(
    [...candidates.values()],
    parseParetoFront(parseJsonText(paretoText)) ?? [],
    {
      finetunes,
      standalone: parseJsonLines(standaloneText, parseStandaloneRecord).records,
    },
  );
  const exported = new Set(exportNames.flatMap((n) => exportKeyOf(n) ?? []));
  return { ...rows, exported };
}

/** The completed fine-tunes of a run (`<run>/finetune/<key>/result.json`). */
export async function readFinetunes(runDir: string): Promise<FinetuneResult[]> {
  const run = new RunPaths(runDir);
  const keys = await readdir(run.finetuneDir).catch(() => [] as string[]);
  const results = await Promise.all(
    keys.map(async (key) =>
      parseFinetuneResult(parseJsonText(await readRunText(run.finetuneOf(key).resultFile))),
    ),
  );
  return results.filter((r): r is FinetuneResult => r !== undefined);
}
