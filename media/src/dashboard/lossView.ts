import { thinAligned } from '#shared/charts/downsample';
import type { DashboardRun } from '#shared/dashboard/webview';
import { smoothEma } from '#shared/charts/smoothing';
import { ChartBox, type SeriesSpec } from './chartBox';
import { formatLoss, formatLossTick, formatPercent, formatSci } from './format';
import type { Theme } from './theme';
import { el, hasValues, MAX_POINTS, type View, type ViewContext } from './view';

/** Loss per subnet role and distillation loss over steps, the LR, accuracy per epoch. */
export class LossView implements View {
  readonly element = el('section', 'view');
  private readonly summary = el('p', 'summary');
  private readonly loss: ChartBox;
  private readonly accuracy: ChartBox;
  private readonly noEpochs = el('p', 'note', 'No epoch has finished yet.');

  constructor(
    private readonly run: DashboardRun,
    private readonly ctx: ViewContext,
  ) {
    this.element.append(this.summary, el('h3', undefined, 'Training loss'));
    this.loss = new ChartBox(this.element, ctx.theme);
    this.element.append(el('h3', undefined, 'Validation accuracy'), this.noEpochs);
    this.accuracy = new ChartBox(this.element, ctx.theme);
  }

  setTheme(theme: Theme): void {
    this.loss.setTheme(theme);
    this.accuracy.setTheme(theme);
  }

  update(): void {
    const { steps, epochs, totalSteps, status } = this.run.model;
    const t = this.ctx.theme;
    const last = steps.step.length - 1;
    this.summary.textContent = [
      last >= 0
        ? `step ${steps.step[last]}${totalSteps ? ` / ${totalSteps}` : ''}`
        : 'no steps yet',
      status,
      last >= 0 ? `${Math.round(steps.imagesPerSec[last])} images/s` : undefined,
    ]
      .filter(Boolean)
      .join(' · ');

    const w = this.ctx.smoothing;
    const roles: [SeriesSpec, (number | null)[]][] = [
      [{ label: 'largest', color: t.blue }, steps.largest],
      [{ label: 'smallest', color: t.green }, steps.smallest],
      [{ label: 'random (mean)', color: t.orange }, steps.random],
      [{ label: 'distillation', color: t.purple, dash: [4, 3] }, steps.distill],
    ];
    const shown = roles.filter(([, c]) => hasValues(c));
    const curves = [...shown.map(([, c]) => smoothEma(c, w)), steps.lr];
    this.loss.render(
      {
        xLabel: 'step',
        series: [
          ...shown.map(([s]) => ({ ...s, format: formatLoss })),
          {
            label: 'learning rate',
            color: t.muted,
            dash: [2, 3],
            scale: 'lr',
            width: 1,
            format: formatSci,
          },
        ],
        axes: [
          { scale: 'y', label: 'loss', format: formatLossTick },
          { scale: 'lr', label: 'learning rate', side: 'right', format: formatSci },
        ],
      },
      thinAligned(steps.step, curves, MAX_POINTS),
    );

    this.noEpochs.hidden = epochs.epoch.length > 0;
    this.accuracy.element.hidden = epochs.epoch.length === 0;
    this.accuracy.render(
      {
        xLabel: 'epoch',
        height: 200,
        series: [
          { label: 'largest', color: t.blue, points: true, format: formatPercent },
          { label: 'smallest', color: t.green, points: true, format: formatPercent },
        ],
        axes: [{ scale: 'y', label: 'accuracy', format: formatPercent }],
      },
      [epochs.epoch, epochs.largest, epochs.smallest],
    );
  }
}
