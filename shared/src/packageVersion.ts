import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** This build's package.json (found upwards from the running bundle), or undefined. */
export function packageVersion(from = __dirname): string | undefined {
  for (let dir = from, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) continue;
    try {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'supernet-studio') return pkg.version;
    } catch {
      // not ours: keep looking
    }
  }
  return undefined;
}
