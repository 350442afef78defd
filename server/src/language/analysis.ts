import { resolveConfig, type Located, type ResolvedConfig } from '../config/resolve';
import type { Problem } from '../config/problems';
import { spaceFacts, type SpaceFacts } from '../space/facts';
import { semanticProblems, type SemanticOptions } from './semantics';

/** Everything the features need from one text, computed once per document version. */
export interface Analysis {
  text: string;
  resolved: ResolvedConfig;
  problems: Problem[];
  /** Facts of the search space, when the space and task have no errors. */
  facts?: SpaceFacts;
}

export function analyse(text: string, opts: SemanticOptions): Analysis {
  const resolved = resolveConfig(text);
  const semantic = semanticProblems(resolved, opts);
  const problems = [...resolved.problems, ...semantic];
  const spaceBroken = problems.some(
    (p) => p.severity === 'error' && p.code !== 'yaml-syntax' && isInSpaceOrTask(resolved, p),
  );
  let facts: SpaceFacts | undefined;
  if (!spaceBroken && resolved.readable && Array.isArray(resolved.config.space?.stages)) {
    try {
      facts = spaceFacts(resolved.config);
    } catch {
      facts = undefined;
    }
  }
  return { text, resolved, problems, facts };
}

function isInSpaceOrTask(r: ResolvedConfig, p: Problem): boolean {
  if (r.errorPaths.some((e) => e.startsWith('space') || e.startsWith('task'))) return true;
  for (const [path, loc] of r.locations) {
    if (
      (path.startsWith('space') || path.startsWith('task')) &&
      loc.value[0] <= p.start &&
      p.end <= loc.value[1]
    )
      return true;
  }
  return false;
}

export interface Hit {
  path: string;
  loc: Located;
  onKey: boolean;
}

/** The innermost located value (or key) at `offset`. */
export function locate(r: ResolvedConfig, offset: number): Hit | undefined {
  let best: Hit | undefined;
  let bestSize = Infinity;
  for (const [path, loc] of r.locations) {
    if (!path) continue;
    if (loc.key && loc.key[0] <= offset && offset <= loc.key[1]) {
      const size = loc.key[1] - loc.key[0];
      if (size <= bestSize) {
        best = { path, loc, onKey: true };
        bestSize = size;
      }
    }
    if (loc.value[0] <= offset && offset <= loc.value[1]) {
      const size = loc.value[1] - loc.value[0];
      if (size < bestSize) {
        best = { path, loc, onKey: false };
        bestSize = size;
      }
    }
  }
  return best;
}
