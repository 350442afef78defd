/** Human-readable numbers for hover, code lens and the CLI. */

export function formatCount(n: number): string {
  const a = Math.abs(n);
  const fix = (x: number) =>
    (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)).replace(
      /\.0*$|(\.\d*?)0+$/,
      '$1',
    );
  if (a >= 1e9) return `${fix(n / 1e9)}G`;
  if (a >= 1e6) return `${fix(n / 1e6)}M`;
  if (a >= 1e3) return `${fix(n / 1e3)}k`;
  return String(Math.round(n * 100) / 100);
}

export function formatBigCount(n: bigint): string {
  if (n < 1_000_000_000n) return n.toLocaleString('en-US');
  const s = n.toString();
  return `${s[0]}.${s.slice(1, 3)}e${s.length - 1}`;
}

export function formatBytes(b: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) {
    b /= 1024;
    i++;
  }
  return `${b >= 100 || i === 0 ? b.toFixed(0) : b.toFixed(1)} ${units[i]}`;
}

/** A bound written back into a constraint: 2000000 → 2M, keeping full precision. */
export function formatBound(metric: string, v: number): string {
  if (metric === 'latency') return `${v}ms`;
  if (metric === 'accuracy') return String(v);
  for (const [s, f] of [
    ['G', 1e9],
    ['M', 1e6],
    ['k', 1e3],
  ] as const) {
    const q = Number((v / f).toFixed(6));
    if (q >= 1 && q * f === v) return `${q}${s}`;
  }
  return String(v);
}
