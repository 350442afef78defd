import type { Path, Rule, RuleContext } from './ruleContext';

function oddKernel(ctx: RuleContext, path: Path, k: number): void {
  if (k % 2 === 0)
    ctx.report(
      path,
      'error',
      'even-kernel',
      `Kernel size ${k} is even: 'same' padding and centred elastic kernels need odd sizes (e.g. ${k - 1} or ${k + 1}).`,
      { replacement: String(k + 1), fixTitle: `Change to ${k + 1}` },
    );
}

function stride12(ctx: RuleContext, path: Path, s: number): void {
  if (s !== 1 && s !== 2)
    ctx.report(path, 'error', 'bad-stride', `Stride must be 1 or 2; got ${s}.`);
}

/** Kernels are odd (centred elastic kernels); strides are 1 or 2. */
export const kernelsAndStrides: Rule = (ctx) => {
  const { space } = ctx.config;
  if (ctx.written('space.stem.kernel'))
    oddKernel(ctx, ['space', 'stem', 'kernel'], space.stem.kernel);
  if (ctx.written('space.stem.stride'))
    stride12(ctx, ['space', 'stem', 'stride'], space.stem.stride);
  space.stages?.forEach((s, i) => {
    if (ctx.clean(`space.stages.${i}.kernel`))
      s.kernel.forEach((k, j) => oddKernel(ctx, ['space', 'stages', i, 'kernel', j], k));
    if (ctx.clean(`space.stages.${i}.stride`) && ctx.written(`space.stages.${i}.stride`))
      stride12(ctx, ['space', 'stages', i, 'stride'], s.stride);
  });
};
