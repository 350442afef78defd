import type { Located, ResolvedConfig } from '../config/resolve';

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
