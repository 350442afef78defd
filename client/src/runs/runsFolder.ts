import * as path from 'node:path';
import { RunPaths } from '#shared/runFolder/layout';
import type { ExportPrecision } from '#shared/protocol/engine';

export const DEFAULT_RUNS_FOLDER = '.supernet/runs';

/**
 * The absolute runs folder: `supernet.runsFolder` as is when absolute, else relative to
 * the workspace folder, else (a loose file) to the config's own folder. Pure.
 */
export function resolveRunsDir(
  setting: string | undefined,
  workspaceFolder: string | undefined,
  configDir?: string,
): string | undefined {
  const folder = setting?.trim() || DEFAULT_RUNS_FOLDER;
  if (path.isAbsolute(folder)) return path.normalize(folder);
  const base = workspaceFolder ?? configDir;
  return base === undefined ? undefined : path.resolve(base, folder);
}

/** Where `Export Subnet` writes when the user does not choose a file. */
export const defaultExportFile = (
  runDir: string,
  key: string,
  o: { precision?: ExportPrecision; finetuned?: boolean } = {},
): string => new RunPaths(runDir).exportFile(key, o);
