import { fitToData } from '#shared/charts/ranges';
import type uPlot from 'uplot';
import type { CandidatePoint } from '#shared/charts/chartModel';
import type { MetricName } from '#shared/metrics';
import type { DashboardRun } from '#shared/dashboard/webview';
import {
  availableMetrics,
  constraintBoundary,
  defaultAxes,
  directionOf,
  isFeasible,
  paretoFront,
  valueOf,
  type ConstraintBoundary,
  type ParetoAxes,
} from '#shared/charts/paretoAxes';
import { latestRankingWarning } from '#shared/charts/latestRanking';
import { ChartBox, type Range } from './chartBox';
import { formatMetric, formatMetricTick, formatPercent, formatSci, metricLabel } from './format';
import { accuracyKindLabel } from '#shared/accuracyKinds';
import { withAlpha, type Theme } from './theme';
import { placeTooltip, ScatterHover } from './scatterPointer';
import { el, select, type View, type ViewContext } from './view';

interface Plotted {
  p: CandidatePoint;
  x: number;
  y: number;
  feasible: boolean;
  onFront: boolean;
  /** Its fine-tuned accuracy, drawn beside the inherited point when accuracy is the y axis. */
  tuned?: { y: number; epochs: number };
}

/**
 * Every evaluated subnet as a point on two chosen figures, the front of those two
 * highlighted, the constraints drawn as boundaries, and the hypervolume per generation.
 */
export class ParetoView implements View {
  readonly element = el('section', 'view');
  private readonly summary = el('p', 'summary');
  /** Said before the front: a front found by a supernet that ranks badly is not to trust. */
  private readonly rankingWarning = el('p', 'warning ranking-warning');
  private readonly controls = el('div', 'controls');
  private readonly notes = el('p', 'note');
  /** Where the running search evaluates: a worker fleet's size, queue and rate. */
  private readonly fleet = el('p', 'note fleet');
  private readonly scatter: ChartBox;
  private readonly hypervolume: ChartBox;
  /** A predictor-assisted search's accuracy predictor, generation by generation. */
  private readonly predictor = el('div', 'predictor');
  private readonly tooltip = el('div', 'tooltip');
  private readonly noGenerations = el('p', 'note', 'No generation of a search has finished yet.');
  /** The marked subnet and what can be done with it: fine-tune it, or fine-tune and export int8. */
  private readonly actions = el('div', 'controls actions');
  private actionsFor = '';
  private axes: ParetoAxes | undefined;
  private plotted: Plotted[] = [];
  private boundary: ConstraintBoundary = { lines: [], offAxis: [], errors: [] };
  private controlsFor = '';
  private readonly hover = new ScatterHover<Plotted>({
    redraw: () => this.scatter.redraw(),
    showTooltip: (q, e) => this.showTooltip(q, e),
    tooltip: this.tooltip,
    reveal: (q) => {
      this.ctx.highlightKey = q.p.key;
      this.scatter.redraw();
      this.ctx.post({ type: 'reveal', runId: this.run.runId, key: q.p.key });
    },
  });

  constructor(
    private readonly run: DashboardRun,
    private readonly ctx: ViewContext,
  ) {
    this.fleet.hidden = true;
    this.rankingWarning.hidden = true;
    this.element.append(this.rankingWarning, this.summary, this.fleet, this.controls, this.actions);
    this.scatter = new ChartBox(this.element, ctx.theme);
    this.scatter.element.classList.add('scatter');
    this.tooltip.hidden = true;
    this.scatter.element.append(this.tooltip);
    this.element.append(
      this.notes,
      el('h3', undefined, 'Hypervolume per generation'),
      this.noGenerations,
    );
    this.hypervolume = new ChartBox(this.element, ctx.theme);
    this.hypervolume.element.dataset.chart = 'hypervolume';
    this.predictor.hidden = true;
    this.predictor.dataset.table = 'predictor';
    this.element.append(this.predictor);
  }

  setTheme(theme: Theme): void {
    this.scatter.setTheme(theme);
    this.hypervolume.setTheme(theme);
  }

  /** Marks a subnet (tree selection, click) without rebuilding the chart. */
  highlight(): void {
    this.renderActions();
    this.scatter.redraw();
  }

  /** Fine-tune buttons for the marked subnet, with its fine-tuned figure when it has one. */
  private renderActions(): void {
    const key = this.ctx.highlightKey;
    const known = key !== undefined && this.run.model.search.indexOf[key] !== undefined;
    const result = known ? this.run.model.finetune?.byKey[key]?.result : undefined;
    const signature = `${known ? key : ''}|${result?.accuracy ?? ''}`;
    if (signature === this.actionsFor) return;
    this.actionsFor = signature;
    this.actions.hidden = !known;
    if (!known) return this.actions.replaceChildren();
    const button = (label: string, int8: boolean) => {
      const b = el('button', 'action', label);
      b.addEventListener('click', () =>
        this.ctx.post({ type: 'finetune', runId: this.run.runId, key, int8 }),
      );
      return b;
    };
    this.actions.replaceChildren(
      el('span', 'key', key),
      ...(result
        ? [
            el(
              'span',
              'note',
              `${accuracyKindLabel({ kind: 'finetuned', epochs: result.epochs })} ${formatPercent(result.accuracy)}`,
            ),
          ]
        : []),
      button('Fine-tune Subnet', false),
      button('Fine-tune and export int8', true),
    );
  }

  update(): void {
    const { search } = this.run.model;
    const available = availableMetrics(search.candidates);
    this.axes ??= defaultAxes(search.objectives, available);
    const axes = this.axes;
    this.renderControls(available);

    const directions = {
      x: directionOf(axes.x, search.objectives),
      y: directionOf(axes.y, search.objectives),
    };
    const front = new Set(
      paretoFront(search.candidates, axes, directions, search.constraints).map((p) => p.key),
    );
    this.plotted = search.candidates
      .flatMap((p): Plotted[] => {
        const x = valueOf(p, axes.x);
        const y = valueOf(p, axes.y);
        if (x === undefined || y === undefined) return [];
        const feasible = isFeasible(p, search.constraints);
        const r = axes.y === 'accuracy' ? this.run.model.finetune?.byKey[p.key]?.result : undefined;
        return [
          {
            p,
            x,
            y,
            feasible,
            onFront: front.has(p.key),
            ...(r ? { tuned: { y: r.accuracy, epochs: r.epochs } } : {}),
          },
        ];
      })
      .sort((a, b) => a.x - b.x);
    this.boundary = constraintBoundary(search.constraints, axes);

    const feasibleCount = this.plotted.filter((q) => q.feasible).length;
    this.summary.textContent = search.candidates.length
      ? `${search.candidates.length} subnets evaluated · ${feasibleCount} feasible · ` +
        `${front.size} on the front of ${metricLabel(axes.y)} and ${metricLabel(axes.x)}`
      : 'No subnet evaluated yet: run Search on this run.';
    const notes = [
      ...(this.boundary.offAxis.length
        ? [`Constraints on other figures, not drawn: ${this.boundary.offAxis.join(', ')}.`]
        : []),
      ...this.boundary.errors,
    ];
    this.notes.textContent = notes.join(' ');
    this.notes.hidden = notes.length === 0;

    const warning = latestRankingWarning(this.run.model.ranking);
    this.rankingWarning.textContent = warning ? `Ranking: ${warning}` : '';
    this.rankingWarning.hidden = !warning;

    this.renderFleet();
    this.renderActions();
    this.renderScatter(axes);
    this.renderHypervolume();
  }

  private renderFleet(): void {
    const f = this.run.model.search.fleet;
    this.fleet.hidden = !f;
    if (!f) return;
    const busy = f.workers.filter((w) => w.state === 'busy').length;
    this.fleet.textContent =
      `Evaluating on ${f.executor}: ${f.workers.length} worker(s), ${busy} busy · ` +
      `${f.queued} queued · ${f.running} running · ${f.done} done · ` +
      `${f.evaluationsPerSec.toFixed(1)} evaluations/s` +
      (f.message ? ` · ${f.message}` : '');
    this.fleet.title = f.workers
      .map((w) => `${w.id}: ${w.state}${w.progress ? ` (${w.progress})` : ''}`)
      .join('\n');
  }

  private renderControls(available: MetricName[]): void {
    const axes = this.axes;
    if (!axes) return;
    const signature = `${available.join()}|${axes.x}|${axes.y}`;
    if (signature === this.controlsFor) return;
    this.controlsFor = signature;
    if (available.length <= 2) {
      this.controls.replaceChildren();
      return;
    }
    const options = available.map((m) => [m, metricLabel(m)] as const);
    const choose = (which: 'x' | 'y') => (v: string) => {
      const m = v as MetricName;
      const other = which === 'x' ? axes.y : axes.x;
      // Picking the other axis's figure swaps the two, so the axes never coincide.
      this.axes =
        which === 'x'
          ? { x: m, y: m === other ? axes.x : other }
          : { x: m === other ? axes.y : other, y: m };
      this.update();
    };
    this.controls.replaceChildren(
      el('span', undefined, 'Across '),
      select(options, axes.x, choose('x')),
      el('span', undefined, ' up '),
      select(options, axes.y, choose('y')),
    );
  }

  private renderScatter(axes: ParetoAxes): void {
    // What is on each axis, for tests and screenshots (a device's latency names the device).
    this.scatter.element.dataset.xMetric = axes.x;
    this.scatter.element.dataset.yMetric = axes.y;
    const t = this.ctx.theme;
    const xs = this.plotted.map((q) => q.x);
    const only = (f: (q: Plotted) => boolean) => this.plotted.map((q) => (f(q) ? q.y : null));
    const fmtY = (v: number) => formatMetric(axes.y, v);
    const tuned = this.plotted.map((q) => q.tuned?.y ?? null);
    const anyTuned = tuned.some((v) => v !== null);
    const kind = axes.y === 'accuracy' ? ' (inherited)' : '';
    this.scatter.render(
      {
        xLabel: metricLabel(axes.x),
        xFormat: (v) => formatMetricTick(axes.x, v),
        xRange: this.rangeWith('x'),
        height: 340,
        crosshair: false,
        legend: true,
        series: [
          {
            label: `evaluated${kind}`,
            color: withAlpha(t.blue, 0.55),
            pointsOnly: true,
            pointSize: 5,
            format: fmtY,
          },
          {
            label: 'infeasible',
            color: withAlpha(t.red, 0.45),
            pointsOnly: true,
            pointSize: 5,
            format: fmtY,
          },
          {
            label: `front${kind}`,
            color: t.orange,
            width: 2,
            points: true,
            pointSize: 7,
            spanGaps: true,
            format: fmtY,
          },
          ...(anyTuned
            ? [
                {
                  label: 'fine-tuned',
                  color: t.green,
                  pointsOnly: true,
                  pointSize: 8,
                  format: fmtY,
                },
              ]
            : []),
        ],
        axes: [
          {
            scale: 'y',
            label: metricLabel(axes.y),
            format: (v) => formatMetricTick(axes.y, v),
            range: this.rangeWith('y'),
          },
        ],
        draw: (u) => this.drawOverlay(u),
      },
      [
        xs,
        only((q) => q.feasible && !q.onFront),
        only((q) => !q.feasible),
        only((q) => q.onFront),
        ...(anyTuned ? [tuned] : []),
      ],
    );
    this.hover.attach(this.scatter.chart, () => this.plotted);
  }

  /** The data's range widened to show the constraint lines on that axis, with a margin. */
  private rangeWith(axis: 'x' | 'y'): Range {
    return (min, max) => {
      const values = this.boundary.lines.filter((l) => l.axis === axis).map((l) => l.value);
      if (min !== null) values.push(min);
      if (max !== null) values.push(max);
      if (values.length === 0) return [0, 1];
      const lo = Math.min(...values);
      const hi = Math.max(...values);
      const pad = hi > lo ? (hi - lo) * 0.06 : Math.abs(lo) * 0.1 || 1;
      return [lo - pad, hi + pad];
    };
  }

  private drawOverlay(u: uPlot): void {
    const t = this.ctx.theme;
    const c = u.ctx;
    const { left, top, width, height } = u.bbox;
    const dpr = window.devicePixelRatio || 1;
    c.save();
    c.beginPath();
    c.rect(left, top, width, height);
    c.clip();
    c.font = `${Math.round(11 * dpr)}px ${t.font}`;
    // uPlot leaves the alignment of its last axis labels on the context.
    c.textAlign = 'left';
    c.textBaseline = 'alphabetic';
    for (const line of this.boundary.lines) {
      const pos = u.valToPos(line.value, line.axis, true);
      c.fillStyle = withAlpha(t.red, 0.07);
      // Shade the infeasible side: beyond an upper bound, short of a lower one.
      if (line.axis === 'x') {
        if (line.upper) c.fillRect(pos, top, left + width - pos, height);
        else c.fillRect(left, top, pos - left, height);
      } else if (line.upper) c.fillRect(left, top, width, pos - top);
      else c.fillRect(left, pos, width, top + height - pos);
      c.strokeStyle = t.red;
      c.lineWidth = dpr;
      c.setLineDash([6 * dpr, 4 * dpr]);
      c.beginPath();
      if (line.axis === 'x') {
        c.moveTo(pos, top);
        c.lineTo(pos, top + height);
      } else {
        c.moveTo(left, pos);
        c.lineTo(left + width, pos);
      }
      c.stroke();
      c.setLineDash([]);
      c.fillStyle = t.red;
      if (line.axis === 'x') c.fillText(line.text, pos + 4 * dpr, top + 14 * dpr);
      else c.fillText(line.text, left + 4 * dpr, pos - 4 * dpr);
    }
    // Each fine-tuned point joined to its inherited one: how much its own training moved it.
    c.strokeStyle = withAlpha(t.green, 0.7);
    c.lineWidth = dpr;
    c.setLineDash([3 * dpr, 3 * dpr]);
    for (const q of this.plotted) {
      if (!q.tuned) continue;
      const px = u.valToPos(q.x, 'x', true);
      c.beginPath();
      c.moveTo(px, u.valToPos(q.y, 'y', true));
      c.lineTo(px, u.valToPos(q.tuned.y, 'y', true));
      c.stroke();
    }
    c.setLineDash([]);
    const marked = this.plotted.find((q) => q.p.key === this.ctx.highlightKey);
    for (const q of [marked, this.hover.hovered]) {
      if (!q) continue;
      c.strokeStyle = t.foreground;
      c.lineWidth = 2 * dpr;
      c.beginPath();
      c.arc(u.valToPos(q.x, 'x', true), u.valToPos(q.y, 'y', true), 7 * dpr, 0, 2 * Math.PI);
      c.stroke();
    }
    c.restore();
  }

  private showTooltip(q: Plotted | undefined, e: MouseEvent): void {
    if (!q) {
      this.tooltip.hidden = true;
      return;
    }
    const p = q.p;
    const rows: string[] = [
      `inherited accuracy ${formatMetric('accuracy', p.accuracy)}`,
      ...(q.tuned
        ? [
            `${accuracyKindLabel({ kind: 'finetuned', epochs: q.tuned.epochs })} accuracy ${formatMetric('accuracy', q.tuned.y)}`,
          ]
        : []),
      `${formatMetric('flops', p.flops)}`,
      `${formatMetric('params', p.params)} params`,
      ...(p.latency !== undefined ? [`latency ${formatMetric('latency', p.latency)}`] : []),
      ...Object.entries(p.deviceLatency ?? {}).map(
        ([device, d]) =>
          `${formatMetric('latency', d.ms)} on ${device}${d.source === 'table' ? ' (from its table)' : d.worker ? ` (timed by ${d.worker})` : ''}`,
      ),
      ...(p.generation !== undefined ? [`generation ${p.generation}`] : []),
      ...(p.worker ? [`evaluated by worker ${p.worker}`] : []),
      q.onFront ? 'on the front' : q.feasible ? 'dominated' : 'infeasible',
    ];
    this.tooltip.replaceChildren(
      el('div', 'key', p.key),
      ...rows.map((r) => el('div', undefined, r)),
    );
    this.tooltip.hidden = false;
    placeTooltip(this.tooltip, this.scatter.element, e);
  }

  private renderHypervolume(): void {
    const t = this.ctx.theme;
    const g = this.run.model.search.generations;
    this.noGenerations.hidden = g.length > 0;
    this.hypervolume.element.hidden = g.length === 0;
    this.hypervolume.render(
      {
        xLabel: 'generation',
        xFormat: (v) => (Number.isInteger(v) ? String(v) : ''),
        xWhole: true,
        xRange: (min, max) => fitToData(min, max, 0.05, 1),
        height: 180,
        series: [
          { label: 'hypervolume', color: t.green, points: true, width: 2, format: formatSci },
        ],
        axes: [
          {
            scale: 'y',
            label: 'hypervolume',
            format: formatSci,
            range: (min, max) => fitToData(min, max, 0.05),
          },
        ],
      },
      [g.map((x) => x.generation), g.map((x) => x.hypervolume)],
    );
    this.renderPredictor();
  }

  /**
   * How well a LINAS search's accuracy predictor foresaw each generation's subnets before
   * they were evaluated: Kendall τ and MAPE of its predictions against their inherited
   * accuracy, and how many subnets it had been fitted on.
   */
  private renderPredictor(): void {
    const rows = this.run.model.search.generations.flatMap((g) =>
      g.predictor ? [{ generation: g.generation, ...g.predictor }] : [],
    );
    this.predictor.hidden = rows.length === 0;
    if (!rows.length) return;
    const row = (tag: 'td' | 'th', cells: string[]) => {
      const tr = el('tr');
      tr.append(...cells.map((c) => el(tag, undefined, c)));
      return tr;
    };
    const table = el('table', 'predictor-table');
    table.append(
      row('th', ['generation', 'predictor τ', 'MAPE', 'fitted on']),
      ...rows.map((r) =>
        row('td', [
          String(r.generation),
          Number.isFinite(r.tau) ? r.tau.toFixed(2) : '–',
          Number.isFinite(r.mape) ? `${r.mape.toFixed(1)}%` : '–',
          `${r.trainedOn} subnets`,
        ]),
      ),
    );
    this.predictor.replaceChildren(
      el(
        'h3',
        undefined,
        'Accuracy predictor (LINAS): its predictions against inherited accuracy, per generation',
      ),
      table,
    );
  }
}
