import type { Rule } from './ruleContext';

/**
 * Resolutions fit the input and survive the strides. Silent where a stride is already
 * wrong: a resolution judged by a bad stride would be a second, misleading error.
 */
export const resolutions: Rule = (ctx) => {
  if (!ctx.spaceUsable || ctx.problems.some((p) => p.code === 'bad-stride')) return;
  const { space, task } = ctx.config;
  const total = [space.stem.stride, ...space.stages.map((s) => s.stride)].reduce(
    (a, b) => a * b,
    1,
  );
  if (space.resolution) {
    space.resolution.forEach((res, j) => {
      if (res > task.input[0])
        ctx.report(
          ['space', 'resolution', j],
          'error',
          'resolution-too-large',
          `Resolution ${res} is larger than the input height ${task.input[0]}: subnets only shrink the input.`,
        );
      else if (Math.floor(res / total) === 0)
        ctx.report(
          ['space', 'resolution', j],
          'error',
          'resolution-collapses',
          `Resolution ${res} collapses to 0 after the strides (total stride ${total}): use at least ${total}.`,
        );
    });
  } else if (Math.floor(task.input[0] / total) === 0) {
    ctx.report(
      ['space', 'stages'],
      'error',
      'resolution-collapses',
      `The input height ${task.input[0]} collapses to 0 after the strides (total stride ${total}).`,
      undefined,
      'key',
    );
  }
};
