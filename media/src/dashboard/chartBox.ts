import uPlot from 'uplot';
import type { Theme } from './theme';

/** One line (or point cloud) of a chart. */
export interface SeriesSpec {
  label: string;
  color: string;
  /** The y scale it is drawn against; `y` unless it has its own axis. */
  scale?: string;
  dash?: number[];
  width?: number;
  /** Draw markers at the values, not only the line. */
  points?: boolean;
  /** Markers without a line: a scatter. */
  pointsOnly?: boolean;
  pointSize?: number;
  /** Join values across gaps (series of several runs joined on one x axis). */
  spanGaps?: boolean;
  /**
   * Neither line nor markers: the values still set the axis range and show in the legend,
   * and the chart draws them its own way (an interval as a band, a reference line).
   */
  invisible?: boolean;
  format?: (v: number) => string;
}

export interface AxisSpec {
  scale: string;
  label: string;
  side?: 'left' | 'right';
  log?: boolean;
  format?: (v: number) => string;
  /** The shown range from the data's; e.g. widened to include a constraint line. */
  range?: Range;
}

export type Range = (min: number | null, max: number | null) => [number, number];

export interface ChartSpec {
  xLabel: string;
  xFormat?: (v: number) => string;
  /** Ticks and grid lines at whole numbers only (epochs, generations). */
  xWhole?: boolean;
  xRange?: Range;
  series: SeriesSpec[];
  axes: AxisSpec[];
  height?: number;
  /** Extra drawing (constraint lines, the marked point) after the series are drawn. */
  draw?: (u: uPlot) => void;
  /** Extra drawing under the series (a band, reference lines), after the axes. */
  underlay?: (u: uPlot) => void;
  /** Scatter charts track the pointer themselves, so uPlot's crosshair is hidden. */
  crosshair?: boolean;
  legend?: boolean;
}

/**
 * A uPlot chart in a box that follows its container's width. The chart is rebuilt
 * when its series change (a stage or a run appears) or the theme does, otherwise only
 * its data is replaced, which keeps the zoom and is cheap.
 */
export class ChartBox {
  readonly element: HTMLDivElement;
  private plot: uPlot | undefined;
  private signature = '';
  private readonly resize: ResizeObserver;

  constructor(
    parent: HTMLElement,
    private theme: Theme,
  ) {
    this.element = document.createElement('div');
    this.element.className = 'chart';
    parent.appendChild(this.element);
    this.resize = new ResizeObserver(() => {
      const width = this.width();
      if (this.plot && width > 0 && Math.abs(this.plot.width - width) > 1)
        this.plot.setSize({ width, height: this.plot.height });
    });
    this.resize.observe(this.element);
  }

  get chart(): uPlot | undefined {
    return this.plot;
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.signature = '';
  }

  render(spec: ChartSpec, data: uPlot.AlignedData): void {
    const signature = JSON.stringify([
      spec.series.map((s) => [s.label, s.color, s.scale, s.dash, s.pointsOnly, s.invisible]),
      spec.axes.map((a) => [a.scale, a.label, a.log]),
      spec.xLabel,
    ]);
    if (this.plot && signature === this.signature) {
      this.plot.setData(data);
    } else {
      this.plot?.destroy();
      this.signature = signature;
      this.plot = new uPlot(this.options(spec), data, this.element);
    }
    if (spec.xRange) this.fitX(spec.xRange, data[0]);
  }

  /**
   * uPlot ranges an x axis of one value itself (0–100 around a single generation) and
   * never asks the scale's range function, so a fitted x range is set explicitly.
   */
  private fitX(range: Range, xs: uPlot.AlignedData[0]): void {
    const finite = Array.from(xs as ArrayLike<number | null>).filter(
      (v): v is number => v !== null && Number.isFinite(v),
    );
    if (!finite.length || !this.plot) return;
    const [min, max] = range(Math.min(...finite), Math.max(...finite));
    this.plot.setScale('x', { min, max });
  }

  /** Redraws without new data: the marked point or the constraint lines changed. */
  redraw(): void {
    this.plot?.redraw(false, false);
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
    this.element.remove();
  }

  private width(): number {
    return Math.max(200, Math.floor(this.element.clientWidth || 600));
  }

  private options(spec: ChartSpec): uPlot.Options {
    const t = this.theme;
    const font = `11px ${t.font}`;
    const axis = (label: string, format?: (v: number) => string): uPlot.Axis => ({
      label,
      stroke: t.foreground,
      font,
      labelFont: font,
      grid: { stroke: t.grid, width: 1 },
      ticks: { stroke: t.grid, width: 1 },
      // Log scales hand null splits for ticks they skip.
      ...(format
        ? {
            values: (_u: uPlot, splits: (number | null)[]) =>
              splits.map((v) => (v === null || v === undefined ? '' : format(v))),
          }
        : {}),
    });
    const range = (r: Range | undefined): uPlot.Scale =>
      r ? { range: (_u: uPlot, min: number | null, max: number | null) => r(min, max) } : {};
    const scales: uPlot.Scales = { x: { time: false, ...range(spec.xRange) } };
    for (const a of spec.axes) scales[a.scale] = a.log ? { distr: 3 } : range(a.range);
    const series: uPlot.Series[] = [
      { label: spec.xLabel, ...(spec.xFormat ? { value: fmt(spec.xFormat) } : {}) },
      ...spec.series.map((s): uPlot.Series => ({
        label: s.label,
        stroke: s.color,
        width: s.width ?? 1.5,
        scale: s.scale ?? 'y',
        spanGaps: s.spanGaps ?? false,
        ...(s.dash ? { dash: s.dash } : {}),
        ...(s.format ? { value: fmt(s.format) } : {}),
        ...(s.pointsOnly || s.invisible ? { paths: () => null } : {}),
        points:
          (s.points || s.pointsOnly) && !s.invisible
            ? { show: true, size: s.pointSize ?? 5, stroke: s.color, fill: s.color }
            : { show: false },
      })),
    ];
    return {
      width: this.width(),
      height: spec.height ?? 260,
      scales,
      series,
      axes: [
        { ...axis(spec.xLabel, spec.xFormat), ...(spec.xWhole ? { incrs: WHOLE_STEPS } : {}) },
        ...spec.axes.map((a) => ({
          ...axis(a.label, a.format),
          scale: a.scale,
          side: a.side === 'right' ? 1 : 3,
          // Room for tick labels such as 1.2e-3 and the axis label beside them.
          size: 64,
          ...(a.side === 'right' ? { grid: { show: false } } : {}),
        })),
      ],
      cursor:
        spec.crosshair === false
          ? { x: false, y: false, points: { show: false }, drag: { x: true, y: true } }
          : { drag: { x: true, y: false } },
      legend: { show: spec.legend ?? true },
      hooks: {
        // The shown x range, for tests and screenshots to check the axis against the data.
        setScale: [
          (u: uPlot, key: string) => {
            if (key !== 'x') return;
            this.element.dataset.xMin = String(u.scales.x?.min);
            this.element.dataset.xMax = String(u.scales.x?.max);
          },
        ],
        ...(spec.draw ? { draw: [spec.draw] } : {}),
        ...(spec.underlay ? { drawAxes: [spec.underlay] } : {}),
      },
    };
  }
}

/** Tick spacings of a whole-number axis: 1, 2, 5, 10, 20, 50, … */
const WHOLE_STEPS = [1, 2, 5]
  .flatMap((m) => [1, 10, 100, 1000, 10_000].map((p) => m * p))
  .sort((a, b) => a - b);

const fmt =
  (f: (v: number) => string) =>
  (_u: uPlot, v: number | null): string =>
    v === null || v === undefined ? '–' : f(v);
