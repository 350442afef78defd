import { accuracyKindLabel } from '#shared/accuracyKinds';
import { thinAligned } from '#shared/charts/downsample';
import { emptyFinetunes, type FinetuneCurve } from '#shared/charts/finetuneModel';
import { smoothEma } from '#shared/charts/smoothing';
import type { DashboardRun } from '#shared/dashboard/webview';
import { ChartBox, type SeriesSpec } from './chartBox';
import { formatLoss, formatLossTick, formatPercent } from './format';
import type { Theme } from './theme';
import { el, hasValues, MAX_POINTS, select, type View, type ViewContext } from './view';

/**
 * The run's fine-tuned subnets, one at a time: the fine-tune's loss per step (label loss and
 * distillation loss) and its validation accuracy per epoch against the accuracy it inherited.
 */
export class FinetuneView implements View {
  readonly element = el('section', 'view');
  private readonly controls = el('div', 'controls');
  private readonly summary = el('p', 'summary');
  private readonly empty = el(
    'p',
    'note',
    'No subnet of this run has been fine-tuned: Fine-tune Subnet in the Runs tree or the Pareto tab.',
  );
  private readonly loss: ChartBox;
  private readonly accuracy: ChartBox;
  private chosen: string | undefined;
  private controlsFor = '';

  constructor(
    private readonly run: DashboardRun,
    private readonly ctx: ViewContext,
  ) {
    this.element.append(
      this.empty,
      this.controls,
      this.summary,
      el('h3', undefined, 'Fine-tune loss'),
    );
    this.loss = new ChartBox(this.element, ctx.theme);
    this.element.append(el('h3', undefined, 'Validation accuracy per epoch'));
    this.accuracy = new ChartBox(this.element, ctx.theme);
  }

  setTheme(theme: Theme): void {
    this.loss.setTheme(theme);
    this.accuracy.setTheme(theme);
  }

  update(): void {
    const state = (this.run.model.finetune ??= emptyFinetunes());
    const keys = Object.keys(state.byKey).sort();
    const none = keys.length === 0;
    this.empty.hidden = !none;
    for (const e of [this.controls, this.summary, this.loss.element, this.accuracy.element])
      e.hidden = none;
    if (none) return;
    if (!this.chosen || !state.byKey[this.chosen]) this.chosen = state.latest ?? keys[0];
    this.renderControls(keys);
    const c = state.byKey[this.chosen]!;
    this.summary.textContent = summaryOf(c);
    this.renderLoss(c);
    this.renderAccuracy(c);
  }

  private renderControls(keys: string[]): void {
    const signature = `${keys.join()}|${this.chosen}`;
    if (signature === this.controlsFor) return;
    this.controlsFor = signature;
    this.controls.replaceChildren(
      el('span', undefined, 'Subnet '),
      select(
        keys.map((k) => [k, k] as const),
        this.chosen!,
        (k) => {
          this.chosen = k;
          this.update();
        },
      ),
    );
  }

  private renderLoss(c: FinetuneCurve): void {
    const t = this.ctx.theme;
    const w = this.ctx.smoothing;
    const curves: [SeriesSpec, (number | null)[]][] = [
      [{ label: 'label loss (cross-entropy)', color: t.blue }, c.steps.loss],
      [
        { label: 'distillation (KL to the teacher)', color: t.purple, dash: [4, 3] },
        c.steps.distill,
      ],
    ];
    const shown = curves.filter(([, v]) => hasValues(v));
    this.loss.render(
      {
        xLabel: 'step',
        height: 220,
        series: shown.map(([s]) => ({ ...s, format: formatLoss })),
        axes: [{ scale: 'y', label: 'loss', format: formatLossTick }],
      },
      thinAligned(
        c.steps.step,
        shown.map(([, v]) => smoothEma(v, w)),
        MAX_POINTS,
      ),
    );
  }

  private renderAccuracy(c: FinetuneCurve): void {
    const t = this.ctx.theme;
    const a = c.accuracy;
    // Epoch 0 is the inherited weights: the line starts where the fine-tune started. Epochs
    // as trained (a fine-tune of 0.5 epoch ends at 0.5), from the steps where known.
    const at = c.stepsPerEpoch ? a.step.map((s) => s / c.stepsPerEpoch!) : a.epoch;
    const epochs = c.inherited !== undefined ? [0, ...at] : at;
    const tuned = c.inherited !== undefined ? [c.inherited, ...a.accuracy] : a.accuracy;
    const inherited = epochs.map(() => c.inherited ?? null);
    this.accuracy.render(
      {
        xLabel: 'epoch',
        xFormat: (v) => String(Number(v.toPrecision(3))),
        height: 200,
        series: [
          { label: 'fine-tuned', color: t.green, points: true, width: 2, format: formatPercent },
          { label: 'inherited', color: t.muted, dash: [5, 4], format: formatPercent },
        ],
        axes: [{ scale: 'y', label: 'accuracy', format: formatPercent }],
      },
      [epochs, tuned, inherited],
    );
  }
}

/** `inherited 77.1% → fine-tuned 1 ep 81.4% (+4.3 points) · teacher … · 52 s`, or the progress. */
function summaryOf(c: FinetuneCurve): string {
  const parts: string[] = [];
  if (c.result) {
    const gain = 100 * (c.result.accuracy - c.result.inherited);
    parts.push(
      `inherited ${formatPercent(c.result.inherited)} → ` +
        `${accuracyKindLabel({ kind: 'finetuned', epochs: c.result.epochs })} ${formatPercent(c.result.accuracy)} ` +
        `(${gain >= 0 ? '+' : ''}${gain.toFixed(1)} points)`,
      `${Math.round(c.result.seconds)} s`,
    );
  } else {
    const step = c.steps.step.at(-1) ?? 0;
    if (c.inherited !== undefined) parts.push(`inherited ${formatPercent(c.inherited)}`);
    parts.push(
      `${c.status ?? 'running'} · step ${step}${c.totalSteps ? ` / ${c.totalSteps}` : ''}`,
    );
  }
  parts.push(c.teacher ? `distilled from ${c.teacher}` : 'no distillation');
  if (c.lr !== undefined) parts.push(`lr ${c.lr}`);
  return parts.join(' · ');
}
