import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { TaskConfig } from '../config/configSchema';
import { describeData, type DataFacts } from './describe';
import { DEFAULT_SYSTEM_DIR, findBundledDataDir } from './locate';

/** How long the editor trusts what it read of a data folder before reading it again. */
const FRESH_MS = 5_000;

/**
 * The file-system reads the config checks and the editor use: the data's facts (cached a few
 * seconds per task, since the editor analyses on every keystroke and a folder may hold tens
 * of thousands of images) and the subfolders of a folder.
 */
export function dataIo(): {
  describeData: (task: TaskConfig, configPath: string | undefined) => DataFacts | undefined;
  listFolders: (dir: string) => string[];
} {
  const cache = new Map<string, { at: number; facts: DataFacts | undefined }>();
  const fashionMnistDirs = [DEFAULT_SYSTEM_DIR, findBundledDataDir()];
  return {
    describeData(task, configPath) {
      if (!configPath) return undefined;
      const key = JSON.stringify([configPath, task.dataset, task.path, task.input, task.classes]);
      const hit = cache.get(key);
      if (hit && Date.now() - hit.at < FRESH_MS) return hit.facts;
      const facts = describeData(task, { configDir: path.dirname(configPath), fashionMnistDirs });
      cache.set(key, { at: Date.now(), facts });
      if (cache.size > 64) cache.delete(cache.keys().next().value as string);
      return facts;
    },
    listFolders(dir) {
      try {
        return readdirSync(dir, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => e.name)
          .sort();
      } catch {
        return [];
      }
    },
  };
}
