/**
 * Colours and font from VS Code's theme variables, read when charts are built: uPlot
 * paints on a canvas, which cannot use CSS variables directly.
 */
export interface Theme {
  foreground: string;
  muted: string;
  grid: string;
  background: string;
  font: string;
  /** Series colours, in the order charts assign them. */
  palette: string[];
  blue: string;
  red: string;
  green: string;
  orange: string;
  yellow: string;
  purple: string;
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export function readTheme(): Theme {
  const blue = cssVar('--vscode-charts-blue', '#3794ff');
  const red = cssVar('--vscode-charts-red', '#f14c4c');
  const green = cssVar('--vscode-charts-green', '#89d185');
  const orange = cssVar('--vscode-charts-orange', '#d18616');
  const yellow = cssVar('--vscode-charts-yellow', '#cca700');
  const purple = cssVar('--vscode-charts-purple', '#b180d7');
  const foreground = cssVar(
    '--vscode-charts-foreground',
    cssVar('--vscode-editor-foreground', '#cccccc'),
  );
  return {
    foreground,
    muted: cssVar('--vscode-descriptionForeground', foreground),
    grid: cssVar('--vscode-charts-lines', 'rgba(128,128,128,0.35)'),
    background: cssVar('--vscode-editor-background', '#1e1e1e'),
    font: cssVar('--vscode-font-family', 'system-ui, sans-serif'),
    palette: [blue, green, orange, purple, red, yellow],
    blue,
    red,
    green,
    orange,
    yellow,
    purple,
  };
}

/** A colour with transparency, for fills: `#rrggbb` and `rgb()` accepted, else unchanged. */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(color);
  if (hex) {
    const n = parseInt(hex[1], 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }
  const rgb = /^rgba?\(([^,]+),([^,]+),([^,)]+)/.exec(color);
  return rgb ? `rgba(${rgb[1]},${rgb[2]},${rgb[3]}, ${alpha})` : color;
}

/** `#rrggbb` or `rgb()` as its three channels; undefined for anything else. */
function channels(color: string): [number, number, number] | undefined {
  const hex = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(color);
  if (hex) {
    const n = parseInt(hex[1], 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  const rgb = /^rgba?\(([^,]+),([^,]+),([^,)]+)/.exec(color);
  if (!rgb) return undefined;
  const c = [rgb[1], rgb[2], rgb[3]].map((v) => Number(v.trim()));
  return c.every(Number.isFinite) ? (c as [number, number, number]) : undefined;
}

/** The colour `t` of the way from `a` to `b` (0 → a, 1 → b); `a` if either cannot be read. */
export function mixColors(a: string, b: string, t: number): string {
  const ca = channels(a);
  const cb = channels(b);
  if (!ca || !cb) return a;
  const k = Math.min(1, Math.max(0, t));
  const [r, g, bl] = ca.map((v, i) => Math.round(v + (cb[i] - v) * k));
  return `rgb(${r}, ${g}, ${bl})`;
}
