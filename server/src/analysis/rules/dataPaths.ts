import type { Rule } from './ruleContext';

const NEEDS_PATH: Partial<Record<string, string>> = {
  idx: 'the folder of the IDX files',
  folder: 'the folder of the class folders of images',
  cifar10: 'the folder of the CIFAR-10 binary files',
  cifar100: 'the folder of the CIFAR-100 binary files',
};

/** A data set read from files names its folder, and the folder exists. */
export const dataPaths: Rule = (ctx) => {
  if (!ctx.clean('task')) return;
  const { task } = ctx.config;
  const { pathExists, resolvePath, configPath } = ctx.opts;
  const needs = NEEDS_PATH[task.dataset];
  if (needs && task.path === undefined)
    ctx.report(
      ['task', 'dataset'],
      'error',
      'missing-path',
      `\`dataset: ${task.dataset}\` needs \`task.path\`: ${needs}.`,
    );
  if (task.path !== undefined && pathExists && resolvePath && configPath) {
    const abs = resolvePath(configPath, task.path);
    if (!pathExists(abs))
      ctx.report(['task', 'path'], 'error', 'path-not-found', `Data folder not found: ${abs}`);
  }
};
