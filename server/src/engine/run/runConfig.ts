import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { analyse } from '../../analysis/analysis';
import { dataIo } from '../../datasets/dataIo';
import type { SupernetConfig } from '../../config/configSchema';
import { RunError } from '../runError';

/**
 * The config's text checked as the editor checks it; errors stop a job before anything
 * starts. `configPath` is the file the run was started from (data paths are relative to
 * it); `textFile` is where the text was read, which the errors name: a run's own copy
 * (`<run>/config.yaml`) is not the user's file, which may well be valid.
 */
export function checkedConfig(
  configPath: string,
  text: string,
  textFile = configPath,
): SupernetConfig {
  const a = analyse(text, {
    configPath,
    pathExists: existsSync,
    resolvePath: (from, rel) => path.resolve(path.dirname(from), rel),
    describeData: dataIo().describeData,
  });
  const errors = a.problems.filter((p) => p.severity === 'error');
  if (errors.length) {
    const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
    const copy = textFile === configPath ? '' : ` (the run's copy of ${configPath})`;
    throw new RunError(
      `${textFile}${copy} has ${errors.length} error${errors.length > 1 ? 's' : ''}:\n` +
        errors.map((e) => `  ${textFile}:${lineOf(e.start)}: ${e.message}`).join('\n'),
    );
  }
  return a.resolved.config;
}
