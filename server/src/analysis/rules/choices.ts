import type { Fields, Schema } from '#shared/schema/dsl';
import { configSchema } from '../../config/configSchema';
import { joinPath } from '../../config/resolve';
import type { Path, Rule, RuleContext } from './ruleContext';

/** Every elastic choice list is sorted ascending, without duplicates. Walks the schema to find them. */
export const sortedChoices: Rule = (ctx) => walk(ctx, configSchema, []);

function walk(ctx: RuleContext, schema: Schema, path: Path): void {
  const r = ctx.r;
  const here = joinPath(path);
  if (!r.locations.has(here)) return;
  if (schema.kind === 'object') {
    for (const [k, f] of Object.entries(schema.fields as Fields)) walk(ctx, f, [...path, k]);
  } else if (schema.kind === 'array' && !schema.choices) {
    for (let i = 0; r.locations.has(joinPath([...path, i])); i++)
      walk(ctx, schema.items as Schema, [...path, i]);
  } else if (schema.kind === 'array' && schema.choices && !ctx.errorWithin(here)) {
    checkList(ctx, path);
  }
}

function checkList(ctx: RuleContext, path: Path): void {
  const values: number[] = [];
  for (let i = 0; ctx.r.locations.has(joinPath([...path, i])); i++) {
    const n = ctx.r.locations.get(joinPath([...path, i]))?.node as { value?: unknown } | undefined;
    if (typeof n?.value === 'number') values.push(n.value);
  }
  const fixed = [...new Set(values)].sort((a, b) => a - b);
  const text = `[${fixed.join(', ')}]`;
  const name = `\`${joinPath(path)}\``;
  if (fixed.length !== values.length) {
    const dups = [...new Set(values.filter((v, i) => values.indexOf(v) !== i))];
    ctx.report(
      path,
      'warning',
      'duplicate-choices',
      `${name} lists ${dups.join(', ')} more than once: duplicates make those choices more likely to be sampled.`,
      { replacement: text, fixTitle: `Remove duplicates: ${text}` },
    );
  } else if (values.some((v, i) => i > 0 && values[i - 1] > v)) {
    ctx.report(
      path,
      'warning',
      'unsorted-choices',
      `${name} is not sorted: choices are listed from smallest to largest.`,
      { replacement: text, fixTitle: `Sort choices: ${text}` },
    );
  }
}
