import type { Rule } from './ruleContext';

/**
 * The input's channels and the normalisation fit the data: grey or RGB, a mean and a std
 * per channel, and `mean`/`std` only where they are used.
 */
export const dataSettings: Rule = (ctx) => {
  if (!ctx.clean('task')) return;
  const { task } = ctx.config;
  const channels = task.input[2];
  if (channels !== 1 && channels !== 3)
    ctx.report(
      ['task', 'input', 2],
      'error',
      'out-of-range',
      `Images have 1 channel (grey) or 3 (RGB); got ${channels}.`,
    );
  for (const k of ['mean', 'std'] as const) {
    const v = task[k];
    if (v === undefined) continue;
    if (v.length !== channels)
      ctx.report(
        ['task', k],
        'error',
        'out-of-range',
        `\`task.${k}\` needs one value per channel: ${channels}; got ${v.length}.`,
      );
    else if (task.normalize === 'none')
      ctx.report(
        ['task', k],
        'warning',
        'unused-setting',
        `\`normalize: none\` scales pixels to [0, 1] only: \`task.${k}\` is ignored.`,
      );
  }
};

/** What the data on disk says: empty classes, a class missing from val, shapes and class counts that do not match. */
export const dataContents: Rule = (ctx) => {
  // A folder that is not there was reported already.
  if (ctx.problems.some((p) => p.code === 'path-not-found' || p.code === 'missing-path')) return;
  const facts = ctx.data();
  if (!facts) return;
  for (const p of facts.problems) {
    const path =
      p.field === 'path' && ctx.written('task.path') ? ['task', 'path'] : ['task', p.field];
    const code = p.field === 'input' || p.field === 'classes' ? 'data-mismatch' : 'data-problem';
    if (ctx.written(path)) ctx.report(path, p.severity, code, p.message);
    else ctx.report(['task'], p.severity, code, p.message, undefined, 'key');
  }
};
