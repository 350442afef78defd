import { thinAligned } from '#shared/charts/downsample';
import type { DashboardRun } from '#shared/dashboard/webview';
import { smoothEma } from '#shared/charts/smoothing';
import { ChartBox } from './chartBox';
import { formatPercent, formatSci } from './format';
import type { Theme } from './theme';
import {
  el,
  hasValues,
  MAX_POINTS,
  positiveOrNull,
  select,
  type View,
  type ViewContext,
} from './view';

/**
 * Variance of the shared weights' gradients across the subnets of a step, in total and
 * per stage; with importance sampling, how the sampler's probabilities move.
 */
export class GradientView implements View {
  readonly element = el('section', 'view');
  private readonly variance: ChartBox;
  private readonly sampler: ChartBox;
  private readonly samplerControls = el('div', 'controls');
  private readonly samplerNote = el(
    'p',
    'note',
    'This run does not use importance sampling: its sampler has no probabilities to show.',
  );
  private decision: string | undefined;
  private decisionNames = '';
  private log = true;

  constructor(
    private readonly run: DashboardRun,
    private readonly ctx: ViewContext,
  ) {
    const logBox = el('input');
    logBox.type = 'checkbox';
    logBox.checked = this.log;
    logBox.addEventListener('change', () => {
      this.log = logBox.checked;
      this.update();
    });
    const logLabel = el('label', 'toggle');
    logLabel.append(logBox, ' log scale');
    const head = el('div', 'controls');
    head.append(el('h3', undefined, 'Gradient variance across subnets'), logLabel);
    this.element.append(head);
    this.variance = new ChartBox(this.element, ctx.theme);
    this.element.append(
      el('h3', undefined, 'Sampler probabilities'),
      this.samplerNote,
      this.samplerControls,
    );
    this.sampler = new ChartBox(this.element, ctx.theme);
  }

  setTheme(theme: Theme): void {
    this.variance.setTheme(theme);
    this.sampler.setTheme(theme);
  }

  update(): void {
    const { steps, sampler } = this.run.model;
    const t = this.ctx.theme;
    const w = this.ctx.smoothing;
    const scale = (c: (number | null)[]) => (this.log ? positiveOrNull(c) : c);
    const stages = steps.gradStages.filter(hasValues);
    const curves = [steps.gradTotal, ...stages].map((c) => scale(smoothEma(c, w)));
    this.variance.render(
      {
        xLabel: 'step',
        series: [
          { label: 'total', color: t.foreground, width: 2, format: formatSci },
          ...stages.map((_, s) => ({
            label: `stage ${s + 1}`,
            color: t.palette[s % t.palette.length],
            format: formatSci,
          })),
        ],
        axes: [{ scale: 'y', label: 'variance', log: this.log, format: formatSci }],
      },
      thinAligned(steps.step, curves, MAX_POINTS),
    );
    this.updateSampler(sampler.step, sampler.probabilities, t);
  }

  private updateSampler(
    step: number[],
    probabilities: Record<string, (number | null)[][]>,
    t: Theme,
  ): void {
    const names = Object.keys(probabilities);
    this.samplerNote.hidden = names.length > 0;
    this.sampler.element.hidden = names.length === 0;
    if (names.length === 0) return;
    if (!this.decision || !names.includes(this.decision)) this.decision = names[0];
    if (names.join('\n') !== this.decisionNames) {
      this.decisionNames = names.join('\n');
      this.samplerControls.replaceChildren(
        el('span', undefined, 'Decision '),
        select(
          names.map((n) => [n, n] as const),
          this.decision,
          (v) => {
            this.decision = v;
            this.update();
          },
        ),
      );
    }
    const choices = probabilities[this.decision] ?? [];
    this.sampler.render(
      {
        xLabel: 'step',
        height: 220,
        series: choices.map((_, k) => ({
          label: `choice ${k + 1}`,
          color: t.palette[k % t.palette.length],
          points: step.length < 50,
          format: formatPercent,
        })),
        axes: [{ scale: 'y', label: 'probability', format: formatPercent }],
      },
      thinAligned(step, choices, MAX_POINTS),
    );
  }
}
