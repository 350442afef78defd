import { isUpperBound, meets, parseConstraint, type Constraint } from '#shared/constraints';
import { formatBound, formatCount } from '#shared/format/numbers';
import { joinPath } from '../../config/resolve';
import type { Path, Rule, RuleContext } from './ruleContext';

const exact = (v: number): string =>
  formatCount(v) === String(v) ? String(v) : `${formatCount(v)} (${v})`;

/**
 * Constraints parse, and (for FLOPs and parameters, known before training) some subnet
 * meets them and some does not: an unmeetable one is an error with a fix to the feasible
 * bound, one that every subnet meets is a warning.
 */
export const constraints: Rule = (ctx) => {
  // Judged by the facts as they stand before any constraint is read: a bad constraint
  // does not silence the checks of the others.
  ctx.facts();
  ctx.config.search.constraints?.forEach((text, j) => {
    if (!ctx.clean(`search.constraints.${j}`)) return;
    const path = ['search', 'constraints', j];
    const c = parseConstraint(text);
    if (typeof c === 'string') ctx.report(path, 'error', 'bad-constraint', c);
    else checkRange(ctx, path, text, c);
  });
};

function checkRange(ctx: RuleContext, path: Path, text: string, c: Constraint): void {
  const facts = ctx.facts();
  if (!facts || (c.metric !== 'flops' && c.metric !== 'params')) return;
  const [lo, hi] = facts[c.metric];
  const name = c.metric === 'flops' ? 'MACs' : 'parameters';
  // The fix keeps the name the user wrote (`macs`, or the older `flops`).
  const said = /^\s*([A-Za-z_]+)/.exec(text)?.[1] ?? c.metric;
  if (isUpperBound(c) ? !meets(c, lo) : !meets(c, hi)) {
    const bound = isUpperBound(c) ? lo : hi;
    const fixed = `${said} ${c.op === '<' || c.op === '<=' ? '<=' : '>='} ${formatBound(c.metric, bound)}`;
    ctx.report(
      path,
      'error',
      'infeasible-constraint',
      isUpperBound(c)
        ? `No subnet meets '${text}': the smallest subnet has ${exact(lo)} ${name}.`
        : `No subnet meets '${text}': the largest subnet has ${exact(hi)} ${name}.`,
      {
        replacement: asWritten(ctx, path, fixed),
        fixTitle: `Set the constraint to the feasible bound: ${fixed}`,
      },
    );
  } else if (isUpperBound(c) ? meets(c, hi) : meets(c, lo)) {
    ctx.report(
      path,
      'warning',
      'redundant-constraint',
      `Every subnet meets '${text}' (${name} range ${formatCount(lo)}–${formatCount(hi)}): the constraint has no effect.`,
    );
  }
}

/** `text` to replace a scalar with: the replacement covers its quotes, so keep those the user wrote. */
export function asWritten(ctx: RuleContext, path: Path, text: string): string {
  const nodeType = (ctx.r.locations.get(joinPath(path))?.node as { type?: string } | undefined)
    ?.type;
  const quote = nodeType === 'QUOTE_DOUBLE' ? '"' : nodeType === 'QUOTE_SINGLE' ? "'" : '';
  return quote + text + quote;
}
