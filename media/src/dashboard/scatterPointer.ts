import type uPlot from 'uplot';

/** How close (CSS pixels) the pointer must be to a point to hover or click it. */
const HIT_RADIUS = 10;

export interface PointerHandlers<T> {
  /** The pointer moved; `point` is the nearest within reach, or undefined. */
  hover(point: T | undefined, e: MouseEvent): void;
  leave(): void;
  click(point: T): void;
}

/**
 * Hover and click on a scatter find the nearest point themselves: uPlot's cursor snaps to
 * x only. `points` is read at each event, so the chart's data may change underneath.
 */
export function attachScatterPointer<T extends { x: number; y: number }>(
  u: uPlot,
  points: () => readonly T[],
  on: PointerHandlers<T>,
): void {
  const nearest = (e: MouseEvent): T | undefined => {
    const r = u.over.getBoundingClientRect();
    const mx = e.clientX - r.left;
    const my = e.clientY - r.top;
    let best: T | undefined;
    let bestD = HIT_RADIUS * HIT_RADIUS;
    for (const q of points()) {
      const dx = u.valToPos(q.x, 'x') - mx;
      const dy = u.valToPos(q.y, 'y') - my;
      const d = dx * dx + dy * dy;
      if (d <= bestD) {
        bestD = d;
        best = q;
      }
    }
    return best;
  };
  u.over.addEventListener('mousemove', (e) => on.hover(nearest(e), e));
  u.over.addEventListener('mouseleave', () => on.leave());
  u.over.addEventListener('click', (e) => {
    const q = nearest(e);
    if (q) on.click(q);
  });
}

/** Puts the tooltip beside the pointer, on its left when it would leave the chart's box. */
export function placeTooltip(tooltip: HTMLElement, box: HTMLElement, e: MouseEvent): void {
  const r = box.getBoundingClientRect();
  const x = e.clientX - r.left + 14;
  const y = e.clientY - r.top + 14;
  const w = tooltip.offsetWidth;
  tooltip.style.left = `${x + w > r.width ? Math.max(0, x - w - 28) : x}px`;
  tooltip.style.top = `${y}px`;
}

export interface ScatterHoverOptions<T> {
  /** Redraws the chart, which draws `hovered` ringed. */
  redraw(): void;
  /** Fills and places the tooltip for a point (hides it for undefined). */
  showTooltip(point: T | undefined, e: MouseEvent): void;
  tooltip: HTMLElement;
  /** A click on a point: mark it and show it in the Runs tree. */
  reveal(point: T): void;
}

/** The scatter's hovered point and its pointer wiring, the same for the Pareto and Ranking charts. */
export class ScatterHover<T extends { x: number; y: number }> {
  hovered: T | undefined;
  private attachedTo: uPlot | undefined;

  constructor(private readonly o: ScatterHoverOptions<T>) {}

  /** Wires a chart once; a rebuilt chart (a new uPlot) is wired again. */
  attach(u: uPlot | undefined, points: () => readonly T[]): void {
    if (!u || this.attachedTo === u) return;
    this.attachedTo = u;
    attachScatterPointer(u, points, {
      hover: (p, e) => {
        if (p !== this.hovered) {
          this.hovered = p;
          this.o.redraw();
        }
        this.o.showTooltip(p, e);
      },
      leave: () => {
        this.hovered = undefined;
        this.o.tooltip.hidden = true;
        this.o.redraw();
      },
      click: (p) => this.o.reveal(p),
    });
  }
}
