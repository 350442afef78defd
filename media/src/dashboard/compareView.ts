import uPlot from 'uplot';
import { thinAligned } from '#shared/charts/downsample';
import type { SubnetRole as Role } from '#shared/protocol/engine';
import type { DashboardRun } from '#shared/dashboard/webview';
import { smoothEma } from '#shared/charts/smoothing';
import { ChartBox } from './chartBox';
import { formatLoss, formatLossTick, formatPercent } from './format';
import type { Theme } from './theme';
import { el, MAX_POINTS, select, type View, type ViewContext } from './view';

/**
 * Several runs overlaid: one loss curve per run for the chosen subnet role, and each
 * run's accuracy per epoch (largest solid, smallest dashed). Runs log different steps,
 * so their curves are joined on the union of their x values, with gaps spanned.
 */
export class CompareView implements View {
  readonly element = el('section', 'view');
  private readonly loss: ChartBox;
  private readonly accuracy: ChartBox;
  private role: Role = 'largest';

  constructor(
    private readonly runs: DashboardRun[],
    private readonly ctx: ViewContext,
  ) {
    const controls = el('div', 'controls');
    controls.append(
      el('h3', undefined, 'Training loss of the '),
      select(
        [
          ['largest', 'largest subnet'],
          ['smallest', 'smallest subnet'],
          ['random', 'random subnets'],
        ],
        this.role,
        (v) => {
          this.role = v as Role;
          this.update();
        },
      ),
    );
    this.element.append(controls);
    this.loss = new ChartBox(this.element, ctx.theme);
    this.element.append(el('h3', undefined, 'Validation accuracy'));
    this.accuracy = new ChartBox(this.element, ctx.theme);
  }

  setTheme(theme: Theme): void {
    this.loss.setTheme(theme);
    this.accuracy.setTheme(theme);
  }

  update(): void {
    const t = this.ctx.theme;
    const color = (i: number) => t.palette[i % t.palette.length];
    // Each run gets its share of the points, so the joined table stays as light as one run's.
    const perRun = Math.max(200, Math.floor(MAX_POINTS / Math.max(1, this.runs.length)));
    const lossTables = this.runs.map((r) =>
      thinAligned(
        r.model.steps.step,
        [smoothEma(r.model.steps[this.role], this.ctx.smoothing)],
        perRun,
      ),
    );
    this.loss.render(
      {
        xLabel: 'step',
        series: this.runs.map((r, i) => ({
          label: r.label,
          color: color(i),
          spanGaps: true,
          format: formatLoss,
        })),
        axes: [{ scale: 'y', label: 'loss', format: formatLossTick }],
      },
      join(lossTables),
    );
    const accTables = this.runs.map((r): uPlot.AlignedData => {
      const e = r.model.epochs;
      return [e.epoch, e.largest, e.smallest];
    });
    this.accuracy.render(
      {
        xLabel: 'epoch',
        height: 220,
        series: this.runs.flatMap((r, i) => [
          {
            label: `${r.label} largest`,
            color: color(i),
            points: true,
            spanGaps: true,
            format: formatPercent,
          },
          {
            label: `${r.label} smallest`,
            color: color(i),
            dash: [5, 4],
            points: true,
            spanGaps: true,
            format: formatPercent,
          },
        ]),
        axes: [{ scale: 'y', label: 'accuracy', format: formatPercent }],
      },
      join(accTables),
    );
  }
}

/** uPlot's join needs at least one table; no runs draw an empty chart. */
function join(tables: uPlot.AlignedData[]): uPlot.AlignedData {
  return tables.length ? uPlot.join(tables) : [[]];
}
