import { asWritten } from './constraints';
import type { Rule } from './ruleContext';

const OLDER = /^(\s*)flops\b/i;

/**
 * `flops` in a config counts multiply-accumulates: `macs` names it, and the older name
 * stays accepted with an offer to rename. Both as objectives name one objective twice.
 */
export const macsName: Rule = (ctx) => {
  const objectives = ctx.config.search.objectives as Record<string, unknown> | undefined;
  const path = ['search', 'objectives', 'flops'];
  if (objectives && 'flops' in objectives && ctx.written(path)) {
    if ('macs' in objectives)
      ctx.report(
        path,
        'error',
        'conflicting-settings',
        '`macs` and `flops` name the same objective (multiply-accumulates): keep one.',
        undefined,
        'key',
      );
    else
      ctx.report(
        path,
        'info',
        'older-name',
        '`flops` counts multiply-accumulates: `macs` is its name (`flops` stays accepted).',
        { replacement: 'macs', fixTitle: 'Rename to macs' },
        'key',
      );
  }
  ctx.config.search.constraints?.forEach((text, j) => {
    const at = ['search', 'constraints', j];
    if (!OLDER.test(text) || !ctx.clean(at.join('.'))) return;
    const renamed = text.replace(OLDER, '$1macs');
    ctx.report(
      at,
      'info',
      'older-name',
      '`flops` counts multiply-accumulates: `macs` is its name (`flops` stays accepted).',
      { replacement: asWritten(ctx, at, renamed), fixTitle: `Rename to ${renamed.trim()}` },
    );
  });
};
