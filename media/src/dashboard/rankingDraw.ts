import type uPlot from 'uplot';
import type { ScatterPoint, TauChart } from '#shared/charts/rankingChart';
import { mixColors, withAlpha, type Theme } from './theme';

/**
 * The Ranking tab's own drawing on uPlot's canvas: τ's interval as a band with a whisker
 * per epoch (one epoch has no band to fill, but its whisker shows), the table's reference
 * lines across the chart, and the subnets as dots shaded and sized by FLOPs.
 */

/** Draws inside the plotting area only, in canvas pixels. */
function clipped(u: uPlot, paint: (c: CanvasRenderingContext2D, dpr: number) => void): void {
  const c = u.ctx;
  const { left, top, width, height } = u.bbox;
  c.save();
  c.beginPath();
  c.rect(left, top, width, height);
  c.clip();
  paint(c, window.devicePixelRatio || 1);
  c.restore();
}

/** τ's 95% interval: a band between its ends, and a whisker at each epoch. */
export function drawInterval(u: uPlot, chart: TauChart, color: string): void {
  const band = chart.band;
  if (!band) return;
  const at = chart.epoch
    .map((x, i) => ({ x, lo: band.low[i], hi: band.high[i] }))
    .filter((p): p is { x: number; lo: number; hi: number } => p.lo !== null && p.hi !== null)
    .map((p) => ({
      x: u.valToPos(p.x, 'x', true),
      lo: u.valToPos(p.lo, 'y', true),
      hi: u.valToPos(p.hi, 'y', true),
    }));
  clipped(u, (c, dpr) => {
    if (at.length > 1) {
      c.fillStyle = withAlpha(color, 0.16);
      c.beginPath();
      at.forEach((p, i) => (i ? c.lineTo(p.x, p.hi) : c.moveTo(p.x, p.hi)));
      for (const p of [...at].reverse()) c.lineTo(p.x, p.lo);
      c.closePath();
      c.fill();
    }
    c.strokeStyle = withAlpha(color, 0.8);
    c.lineWidth = 1.5 * dpr;
    const cap = 5 * dpr;
    for (const p of at) {
      c.beginPath();
      c.moveTo(p.x, p.lo);
      c.lineTo(p.x, p.hi);
      c.moveTo(p.x - cap, p.lo);
      c.lineTo(p.x + cap, p.lo);
      c.moveTo(p.x - cap, p.hi);
      c.lineTo(p.x + cap, p.hi);
      c.stroke();
    }
  });
}

/** A dashed line across the chart at `value`, labelled at its left end. */
export function drawReference(
  u: uPlot,
  value: number,
  label: string,
  color: string,
  theme: Theme,
): void {
  const y = u.valToPos(value, 'y', true);
  const { left, top, width } = u.bbox;
  clipped(u, (c, dpr) => {
    c.strokeStyle = color;
    c.lineWidth = dpr;
    c.setLineDash([6 * dpr, 4 * dpr]);
    c.beginPath();
    c.moveTo(left, y);
    c.lineTo(left + width, y);
    c.stroke();
    c.setLineDash([]);
    c.fillStyle = color;
    c.font = `${Math.round(11 * dpr)}px ${theme.font}`;
    // uPlot leaves the alignment of its last axis labels on the context.
    c.textAlign = 'left';
    c.textBaseline = 'alphabetic';
    // Above the line, or below it where the chart's top would cut the text off.
    const above = y - 4 * dpr;
    c.fillText(label, left + 4 * dpr, above - 11 * dpr < top ? y + 13 * dpr : above);
  });
}

/** A dot's colour: the theme's blue for the fewest FLOPs shown, orange for the most. */
export const flopsColor = (theme: Theme, shade: number): string =>
  mixColors(theme.blue, theme.orange, shade);

/** A dot's radius in CSS pixels: 3 for the fewest FLOPs, 8 for the most. */
export const flopsRadius = (shade: number): number => 3 + 5 * shade;

/** The subnets as dots, then rings round the marked and the hovered one. */
export function drawSubnets(
  u: uPlot,
  points: readonly ScatterPoint[],
  rings: readonly (ScatterPoint | undefined)[],
  theme: Theme,
): void {
  clipped(u, (c, dpr) => {
    // The big ones first, so that small dots on top of them stay visible.
    for (const p of [...points].sort((a, b) => b.shade - a.shade)) {
      c.fillStyle = withAlpha(flopsColor(theme, p.shade), 0.75);
      c.strokeStyle = flopsColor(theme, p.shade);
      c.lineWidth = dpr;
      c.beginPath();
      c.arc(
        u.valToPos(p.x, 'x', true),
        u.valToPos(p.y, 'y', true),
        flopsRadius(p.shade) * dpr,
        0,
        2 * Math.PI,
      );
      c.fill();
      c.stroke();
    }
    for (const p of rings) {
      if (!p) continue;
      c.strokeStyle = theme.foreground;
      c.lineWidth = 2 * dpr;
      c.beginPath();
      c.arc(
        u.valToPos(p.x, 'x', true),
        u.valToPos(p.y, 'y', true),
        (flopsRadius(p.shade) + 4) * dpr,
        0,
        2 * Math.PI,
      );
      c.stroke();
    }
  });
}
