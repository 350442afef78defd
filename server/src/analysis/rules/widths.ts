import type { Path, Rule } from './ruleContext';

const round8 = (w: number): number => Math.max(8, Math.round(w / 8) * 8);

/** Widths are multiples of 8, where kernels run fastest (a warning). */
export const widthsOf8: Rule = (ctx) => {
  const { space } = ctx.config;
  space.stages?.forEach((s, i) => {
    if (!ctx.clean(`space.stages.${i}.width`)) return;
    s.width.forEach((w, j) => {
      if (w % 8 !== 0)
        ctx.report(
          ['space', 'stages', i, 'width', j],
          'warning',
          'width-not-multiple-of-8',
          `Width ${w} is not a multiple of 8: kernels run faster on multiples of 8 (e.g. ${round8(w)}).`,
        );
    });
  });
  for (const [p, w] of [
    [['space', 'stem', 'width'], space.stem.width],
    [['space', 'head', 'width'], space.head.width],
  ] as [Path, number][]) {
    if (ctx.written(p) && ctx.clean(p.join('.')) && w % 8 !== 0)
      ctx.report(
        p,
        'warning',
        'width-not-multiple-of-8',
        `Width ${w} is not a multiple of 8: kernels run faster on multiples of 8.`,
      );
  }
};
