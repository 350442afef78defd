import type { Rule } from './ruleContext';

/** A data set read from files names its folder, and the folder exists. */
export const dataPaths: Rule = (ctx) => {
  if (!ctx.clean('task')) return;
  const { task } = ctx.config;
  const { pathExists, resolvePath, configPath } = ctx.opts;
  if (task.dataset === 'idx' && task.path === undefined)
    ctx.report(
      ['task', 'dataset'],
      'error',
      'missing-path',
      '`dataset: idx` needs `task.path`: the folder of the IDX files.',
    );
  if (task.path !== undefined && pathExists && resolvePath && configPath) {
    const abs = resolvePath(configPath, task.path);
    if (!pathExists(abs))
      ctx.report(['task', 'path'], 'error', 'path-not-found', `Data folder not found: ${abs}`);
  }
};
