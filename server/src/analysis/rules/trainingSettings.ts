import type { Rule } from './ruleContext';

/** NSGA-II needs a population of at least 4 (binary tournaments and crowding distance). */
export const populationSize: Rule = (ctx) => {
  const { search } = ctx.config;
  if (ctx.clean('search.population') && search.algorithm === 'nsga2' && search.population < 4)
    ctx.report(
      ['search', 'population'],
      'error',
      'population-too-small',
      `NSGA-II needs a population of at least 4 (binary tournaments and crowding distance); got ${search.population}.`,
      { replacement: '4', fixTitle: 'Set the population to 4' },
    );
};

/** The sandwich rule needs two subnets a step; the uniform and pada samplers ignore `subnets`. */
export const samplerSubnets: Rule = (ctx) => {
  if (!ctx.clean('train.sampler')) return;
  const sampler = ctx.config.train.sampler;
  if (sampler.type === 'sandwich' && sampler.subnets < 2)
    ctx.report(
      ['train', 'sampler', 'subnets'],
      'error',
      'out-of-range',
      'The sandwich rule trains the largest and the smallest subnet each step: `subnets` must be at least 2.',
    );
  const single =
    sampler.type === 'uniform' ? 'The uniform sampler' : sampler.type === 'pada' ? 'PA&DA' : '';
  if (single && sampler.subnets !== 1 && ctx.written('train.sampler.subnets'))
    ctx.report(
      ['train', 'sampler', 'subnets'],
      'warning',
      'unused-setting',
      `${single} trains one subnet per step: \`subnets\` is ignored.`,
    );
};

/** Progressive shrinking's phase bounds must not go back in time. */
export const shrinkingPhases: Rule = (ctx) => {
  const phases = ctx.config.train.progressiveShrinking;
  if (!phases || !ctx.clean('train.progressiveShrinking')) return;
  if (phases.some((p, i) => i > 0 && p < phases[i - 1]))
    ctx.report(
      ['train', 'progressiveShrinking'],
      'error',
      'out-of-range',
      `Progressive shrinking's phases start in order (largest alone, then kernel, depth, width): [${phases.join(', ')}] goes back; write them ascending.`,
    );
};

/** The schedule's fields that its type does not read: cosine's end, exponential's shape. */
export const scheduleSettings: Rule = (ctx) => {
  if (!ctx.clean('train.schedule')) return;
  const { type } = ctx.config.train.schedule;
  const unused = (field: string, reader: string) =>
    ctx.report(
      ['train', 'schedule', field],
      'warning',
      'unused-setting',
      `\`${field}\` shapes the ${reader} schedule; a ${type} schedule ignores it.`,
    );
  if (type !== 'cosine' && ctx.written('train.schedule.minLr')) unused('minLr', 'cosine');
  for (const field of ['decay', 'decayEpochs', 'endRatio'])
    if (type !== 'exponential' && ctx.written(`train.schedule.${field}`))
      unused(field, 'exponential');
};

/** Channel sorting at shrinking needs a moment when widths start to shrink. */
export const channelSortingMoment: Rule = (ctx) => {
  if (!ctx.clean('train.channelSorting') || !ctx.clean('train.progressiveShrinking')) return;
  const { channelSorting, progressiveShrinking, delayedShrinking, deps } = ctx.config.train;
  if (channelSorting?.when !== 'shrinking' || progressiveShrinking || delayedShrinking > 0 || deps)
    return;
  ctx.report(
    ['train', 'channelSorting'],
    'warning',
    'unused-setting',
    'Channel sorting at `shrinking` sorts before the first step that trains narrower expand ratios and widths; without `progressiveShrinking`, `delayedShrinking` or `deps` that is the first step, whose weights are random: it never sorts. Add one of them, or sort `when: periodic`.',
  );
};

/**
 * DεpS has its own full-model phase, and trains the full model alongside the subnets in
 * every step after it (delayedEpsilonShrinking.ts), which takes a sampler that puts the
 * largest subnet in every step: the sandwich rule, or any multi-subnet sampler with its
 * teacher (distillation and 2+ subnets).
 */
export const depsSettings: Rule = (ctx) => {
  const { deps, delayedShrinking, progressiveShrinking, distillation, sampler } = ctx.config.train;
  if (!deps || !ctx.clean('train')) return;
  const conflict = (field: string, what: string) =>
    ctx.report(
      ['train', field],
      'error',
      'conflicting-settings',
      `DεpS (\`deps\`) has its own full-model phase, until \`deps.start\`; ${what}. Remove one of them.`,
      undefined,
      'key',
    );
  if (ctx.written('train.delayedShrinking') && delayedShrinking > 0)
    conflict('delayedShrinking', '`delayedShrinking` would be a second one');
  if (progressiveShrinking)
    conflict('progressiveShrinking', 'progressive shrinking is another way to shrink');
  const multi = sampler.type !== 'uniform' && sampler.type !== 'pada' && sampler.subnets >= 2;
  const largestEachStep = multi && (sampler.type === 'sandwich' || distillation);
  if (!largestEachStep)
    ctx.report(
      ['train', 'deps'],
      'error',
      'conflicting-settings',
      'DεpS trains the full model alongside the subnets in every step: it needs a sampler of 2 or more subnets a step that includes the largest, the sandwich rule or another with `distillation` (its teacher), not uniform or pada.',
      undefined,
      'key',
    );
  else if (!distillation)
    ctx.report(
      ['train', 'distillation'],
      'warning',
      'unused-setting',
      'DεpS distils the subnets in place from the full model as it trains (IKD-Warmup); with `distillation: false` they learn from the labels instead.',
    );
};

/** ShiftNAS draws each subnet for a complexity, its resolution included. */
export const shiftnasSettings: Rule = (ctx) => {
  const { sampler } = ctx.config.train;
  if (sampler.type !== 'shiftnas' || !ctx.clean('train.sampler')) return;
  if (sampler.resolution === 'per-step' && ctx.written('train.sampler.resolution'))
    ctx.report(
      ['train', 'sampler', 'resolution'],
      'warning',
      'unused-setting',
      'ShiftNAS draws each subnet for a complexity, its resolution included: one resolution per step would move it out of that complexity, so each subnet keeps its own.',
    );
};

/**
 * A few-shot split needs a decision to split: one with at least `splits` choices, elastic by
 * `at` (nothing is while the largest subnet trains alone). The engine checks the rest when it
 * splits (which kinds progressive shrinking has made elastic by then).
 */
export const fewShotSplit: Rule = (ctx) => {
  const fewShot = ctx.config.train.fewShot;
  if (!fewShot || !ctx.clean('train') || !ctx.spaceUsable) return;
  const { space, task, train } = ctx.config;
  const alone = Math.max(train.delayedShrinking, train.progressiveShrinking?.[0] ?? 0);
  if (fewShot.at < alone)
    ctx.report(
      ['train', 'fewShot', 'at'],
      'error',
      'out-of-range',
      `The supernet is split at ${fewShot.at} of training, while the largest subnet still trains alone (until ${alone}): no decision has been trained yet. Split at ${alone} or later.`,
    );
  const lists = [
    space.resolution ?? [task.input[0]],
    ...space.stages.flatMap((s) => [s.depth, s.width, s.kernel, s.expand]),
  ];
  const most = Math.max(...lists.map((l) => new Set(l).size));
  if (most < fewShot.splits)
    ctx.report(
      ['train', 'fewShot', 'splits'],
      'error',
      'out-of-range',
      `No decision of the space has ${fewShot.splits} choices to split into ${fewShot.splits} sub-supernets (the most is ${most}).`,
      most >= 2 ? { replacement: String(most), fixTitle: `Split into ${most}` } : undefined,
    );
};
