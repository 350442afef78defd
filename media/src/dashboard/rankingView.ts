import {
  latestRanking,
  rankingDetails,
  rankingSource,
  runningCheckNote,
  scatterSubnets,
} from '#shared/charts/latestRanking';
import {
  rankingScatter,
  tauChart,
  tauRange,
  type RankingScatter,
  type ScatterPoint,
  type TauChart,
  type TauCurve,
} from '#shared/charts/rankingChart';
import { fitToData } from '#shared/charts/ranges';
import type { DashboardRun } from '#shared/dashboard/webview';
import { rankingSummary, rankingWarning, regionSentence } from '#shared/ranking';
import { lastStability, stabilityWords } from '#shared/charts/stabilityWords';
import { ChartBox, type SeriesSpec } from './chartBox';
import { formatMetric, formatPercent } from './format';
import { drawInterval, drawReference, drawSubnets, flopsColor } from './rankingDraw';
import { placeTooltip, ScatterHover } from './scatterPointer';
import type { Theme } from './theme';
import { el, type View, type ViewContext } from './view';

export const NO_RANKING =
  'No ranking yet: run Check Ranking (supernet rank), or train on a benchmark space ' +
  '(examples/ranking.supernet.yaml) to see τ per epoch.';

const f2 = (v: number) => v.toFixed(2);

/** How each per-epoch curve looks; the interval's ends and the ceiling are drawn apart. */
function tauSeries(id: TauCurve, t: Theme): SeriesSpec {
  switch (id) {
    case 'kendallTau':
      return { label: 'Kendall τ-b', color: t.blue, width: 2, points: true, pointSize: 7 };
    case 'tauLow':
      return { label: '95% CI low', color: t.blue, invisible: true };
    case 'tauHigh':
      return { label: '95% CI high', color: t.blue, invisible: true };
    case 'spearmanRho':
      return { label: 'Spearman ρ', color: t.green, points: true };
    case 'partialKendallTau':
      return { label: 'partial τ given MACs', color: t.purple, points: true, dash: [2, 3] };
    case 'flopsKendallTau':
      return { label: 'τ by MACs (baseline)', color: t.orange, points: true, dash: [6, 4] };
    case 'noiseCeiling':
      return { label: 'noise ceiling (mean of seeds)', color: t.muted, invisible: true };
  }
}

/**
 * How well the supernet ranks subnets: τ and its interval per epoch beside the FLOPs
 * baseline and the noise ceiling, and the latest ranking's subnets, accuracy in the
 * supernet against accuracy trained alone. A click on a subnet reveals it in the tree.
 */
export class RankingView implements View {
  readonly element = el('section', 'view');
  private readonly summary = el('p', 'summary ranking-summary');
  private readonly details = el('p', 'note ranking-details');
  private readonly warning = el('p', 'warning ranking-warning');
  /** Where along MACs its order can be trusted, in one sentence. */
  private readonly regions = el('p', 'summary ranking-regions');
  private readonly running = el('p', 'note');
  private readonly maturity = el('p', 'note ranking-maturity');
  private readonly empty = el('p', 'placeholder ranking-empty', NO_RANKING);
  private readonly tauTitle = el('h3', undefined, 'Ranking per epoch');
  private readonly noEpochs = el('p', 'note');
  private readonly tau: ChartBox;
  private readonly scatterTitle = el('h3');
  private readonly scatter: ChartBox;
  private readonly legend = el('p', 'note flops-legend');
  private readonly tooltip = el('div', 'tooltip');
  private tauData: TauChart | undefined;
  private plotted: ScatterPoint[] = [];
  private readonly hover = new ScatterHover<ScatterPoint>({
    redraw: () => this.scatter.redraw(),
    showTooltip: (p, e) => this.showTooltip(p, e),
    tooltip: this.tooltip,
    reveal: (p) => {
      this.ctx.highlightKey = p.key;
      this.scatter.redraw();
      this.ctx.post({ type: 'reveal', runId: this.run.runId, key: p.key });
    },
  });

  constructor(
    private readonly run: DashboardRun,
    private readonly ctx: ViewContext,
  ) {
    this.element.append(
      this.warning,
      this.regions,
      this.summary,
      this.details,
      this.maturity,
      this.running,
      this.empty,
      this.tauTitle,
      this.noEpochs,
    );
    this.tau = new ChartBox(this.element, ctx.theme);
    this.tau.element.classList.add('ranking-tau');
    this.element.append(this.scatterTitle);
    this.scatter = new ChartBox(this.element, ctx.theme);
    this.scatter.element.classList.add('scatter', 'ranking-scatter');
    this.tooltip.hidden = true;
    this.scatter.element.append(this.tooltip);
    this.element.append(this.legend);
  }

  setTheme(theme: Theme): void {
    this.tau.setTheme(theme);
    this.scatter.setTheme(theme);
  }

  update(): void {
    const state = this.run.model.ranking;
    const latest = latestRanking(state);
    const warning = latest ? rankingWarning(latest.figures) : undefined;
    const running = runningCheckNote(state);
    this.summary.textContent = latest
      ? `${rankingSource(latest)}: ${rankingSummary(latest.figures)}`
      : '';
    this.details.textContent = (latest && rankingDetails(latest)) ?? '';
    this.warning.textContent = warning ?? '';
    this.regions.textContent = (latest && regionSentence(latest.figures)) ?? '';
    this.running.textContent = running ?? '';
    this.maturity.textContent = stabilityWords(lastStability(state)) ?? '';
    const subnets = scatterSubnets(state);
    const scatter = rankingScatter(subnets.points);
    const epochs = state.series.epoch.length;
    for (const [e, show] of [
      [this.summary, !!latest],
      [this.details, !!this.details.textContent],
      [this.warning, !!warning],
      [this.regions, !!this.regions.textContent],
      [this.running, !!running],
      [this.maturity, !!this.maturity.textContent],
      [this.empty, !latest && !running && epochs === 0],
      [this.tauTitle, epochs > 0 || !!latest],
      [this.noEpochs, epochs === 0 && !!latest],
      [this.tau.element, epochs > 0],
      [this.scatterTitle, scatter.points.length > 0],
      [this.scatter.element, scatter.points.length > 0],
      [this.legend, scatter.points.length > 0],
    ] as const)
      e.hidden = !show;
    this.noEpochs.textContent =
      'No per-epoch ranking: only runs on a benchmark space (examples/ranking.supernet.yaml) ' +
      'are ranked at every epoch. The figures above are those of the last Check Ranking.';
    // What the tab shows, for tools reading the DOM and the end-to-end test.
    Object.assign(this.element.dataset, {
      epochs: String(epochs),
      scatterPoints: String(scatter.points.length),
      warning: String(!!warning),
      source: latest?.source ?? 'none',
    });
    if (epochs > 0) this.renderTau();
    this.scatterTitle.textContent = `Accuracy in the supernet against trained alone (${subnets.caption})`;
    if (scatter.points.length) this.renderScatter(scatter);
  }

  private renderTau(): void {
    const t = this.ctx.theme;
    const chart = tauChart(this.run.model.ranking.series);
    this.tauData = chart;
    this.tau.render(
      {
        xLabel: 'epoch',
        xFormat: (v) => (Number.isInteger(v) ? String(v) : ''),
        xWhole: true,
        xRange: (min, max) => fitToData(min, max, 0.05, 1),
        height: 260,
        series: chart.curves.map((c) => ({ ...tauSeries(c.id, t), format: f2 })),
        axes: [{ scale: 'y', label: 'rank correlation', format: f2, range: tauRange }],
        // Reads this.tauData when it draws: live data replaces the chart's data only.
        underlay: (u) => {
          if (!this.tauData) return;
          drawInterval(u, this.tauData, t.blue);
          const ref = this.tauData.reference;
          if (ref.noiseCeiling !== undefined)
            drawReference(
              u,
              ref.noiseCeiling,
              `noise ceiling of the seeds' mean ${f2(ref.noiseCeiling)}`,
              t.muted,
              t,
            );
          if (ref.flopsKendallTau !== undefined)
            drawReference(
              u,
              ref.flopsKendallTau,
              `by MACs ${f2(ref.flopsKendallTau)}`,
              t.orange,
              t,
            );
        },
      },
      [chart.epoch, ...chart.curves.map((c) => c.values)],
    );
  }

  private renderScatter(scatter: RankingScatter): void {
    const t = this.ctx.theme;
    this.plotted = scatter.points;
    const range = (min: number | null, max: number | null) => fitToData(min, max, 0.08);
    this.scatter.render(
      {
        xLabel: 'accuracy in the supernet',
        xFormat: formatPercent,
        xRange: range,
        height: 320,
        crosshair: false,
        legend: false,
        series: [{ label: 'stand-alone accuracy', color: t.blue, invisible: true }],
        axes: [{ scale: 'y', label: 'accuracy trained alone', format: formatPercent, range }],
        draw: (u) => {
          const marked = this.plotted.find((p) => p.key === this.ctx.highlightKey);
          drawSubnets(u, this.plotted, [marked, this.hover.hovered], t);
        },
      },
      [scatter.points.map((p) => p.x), scatter.points.map((p) => p.y)],
    );
    this.renderLegend(scatter);
    this.hover.attach(this.scatter.chart, () => this.plotted);
  }

  /** The colour scale of the dots, in words and two swatches. */
  private renderLegend(scatter: RankingScatter): void {
    const t = this.ctx.theme;
    const swatch = (shade: number) => {
      const s = el('span', 'swatch');
      s.style.background = flopsColor(t, shade);
      return s;
    };
    const f = scatter.flops;
    this.legend.replaceChildren(
      `${scatter.points.length} subnets, by MACs: `,
      swatch(0),
      ` ${f ? formatMetric('flops', f.min) : ''} … `,
      swatch(1),
      ` ${f ? formatMetric('flops', f.max) : ''} (larger dots, more MACs). Click one to show it in the Runs tree.`,
    );
  }

  private showTooltip(p: ScatterPoint | undefined, e: MouseEvent): void {
    if (!p) {
      this.tooltip.hidden = true;
      return;
    }
    const rows = [
      formatMetric('flops', p.flops),
      ...(p.params !== undefined ? [`${formatMetric('params', p.params)} params`] : []),
      `in the supernet ${formatPercent(p.supernetAccuracy)}`,
      `trained alone ${formatPercent(p.standaloneAccuracy)}`,
    ];
    this.tooltip.replaceChildren(
      el('div', 'key', p.key),
      ...rows.map((r) => el('div', undefined, r)),
    );
    this.tooltip.hidden = false;
    placeTooltip(this.tooltip, this.scatter.element, e);
  }
}
