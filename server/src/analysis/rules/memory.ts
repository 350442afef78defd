import { formatBytes } from '#shared/format/numbers';
import type { Rule } from './ruleContext';

/** A training step of the largest subnet fits the machine's memory (a warning). */
export const trainingMemory: Rule = (ctx) => {
  const facts = ctx.facts();
  const limit = ctx.opts.memoryLimitBytes;
  if (!facts || limit === undefined || facts.trainingMemoryBytes <= limit) return;
  const onBatch = ctx.r.locations.get('train.batchSize')?.key !== undefined;
  ctx.report(
    onBatch ? ['train', 'batchSize'] : ['space'],
    'warning',
    'memory-exceeds-machine',
    `A training step needs about ${formatBytes(facts.trainingMemoryBytes)} (largest subnet, batch ${ctx.config.train.batchSize}), more than this machine's ${formatBytes(limit)}: use a smaller batch or search space.`,
    undefined,
    'key',
  );
};
