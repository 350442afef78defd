import { isUpperBound, meets, parseConstraint } from '../config/constraints';
import { formatBound, formatBytes, formatCount } from '../config/format';
import type { Problem } from '../config/problems';
import { joinPath, type ResolvedConfig } from '../config/resolve';
import type { Fields, Schema } from '../config/schemaDsl';
import { configSchema } from '../config/configSchema';
import { spaceFacts } from '../space/facts';

export interface SemanticOptions {
  /** Memory a training step may use before a warning, in bytes. Undefined: no check. */
  memoryLimitBytes?: number;
  /** Absolute path of the config file, for resolving relative data paths. */
  configPath?: string;
  /** Whether a path exists; without it, data paths are not checked. */
  pathExists?: (absolutePath: string) => boolean;
  /** Join a folder and a relative path (the platform's rules). */
  resolvePath?: (fromFile: string, relative: string) => string;
}

type Path = (string | number)[];

/** Checks that need more than one field's schema: they run on the resolved config. */
export function semanticProblems(r: ResolvedConfig, opts: SemanticOptions): Problem[] {
  const out: Problem[] = [];
  const at = (path: Path, part: 'key' | 'value' = 'value'): [number, number] | undefined => {
    const loc = r.locations.get(joinPath(path));
    if (!loc) return undefined;
    return part === 'key' && loc.key ? loc.key : loc.value;
  };
  const report = (
    path: Path,
    severity: Problem['severity'],
    code: Problem['code'],
    message: string,
    data?: Problem['data'],
    part: 'key' | 'value' = 'value',
  ): void => {
    const range = at(path, part);
    if (range)
      out.push({
        start: range[0],
        end: range[1],
        severity,
        code,
        message,
        ...(data ? { data } : {}),
      });
  };
  const clean = (prefix: string): boolean =>
    !r.errorPaths.some(
      (p) => p === prefix || p.startsWith(prefix + '.') || prefix.startsWith(p + '.'),
    );
  const { config } = r;

  checkChoices(r, configSchema, [], report);

  // Kernels and strides.
  const oddKernel = (path: Path, k: number) => {
    if (k % 2 === 0)
      report(
        path,
        'error',
        'even-kernel',
        `Kernel size ${k} is even: 'same' padding and centred elastic kernels need odd sizes (e.g. ${k - 1} or ${k + 1}).`,
        { replacement: String(k + 1), fixTitle: `Change to ${k + 1}` },
      );
  };
  const stride12 = (path: Path, s: number) => {
    if (s !== 1 && s !== 2) report(path, 'error', 'bad-stride', `Stride must be 1 or 2; got ${s}.`);
  };
  if (r.locations.get('space.stem.kernel')?.node)
    oddKernel(['space', 'stem', 'kernel'], config.space.stem.kernel);
  if (r.locations.get('space.stem.stride')?.node)
    stride12(['space', 'stem', 'stride'], config.space.stem.stride);
  config.space.stages?.forEach((s, i) => {
    if (clean(`space.stages.${i}.kernel`))
      s.kernel.forEach((k, j) => oddKernel(['space', 'stages', i, 'kernel', j], k));
    if (clean(`space.stages.${i}.stride`) && r.locations.get(`space.stages.${i}.stride`)?.node)
      stride12(['space', 'stages', i, 'stride'], s.stride);
    if (clean(`space.stages.${i}.width`)) {
      s.width.forEach((w, j) => {
        if (w % 8 !== 0)
          report(
            ['space', 'stages', i, 'width', j],
            'warning',
            'width-not-multiple-of-8',
            `Width ${w} is not a multiple of 8: kernels run faster on multiples of 8 (e.g. ${Math.max(8, Math.round(w / 8) * 8)}).`,
          );
      });
    }
  });
  for (const p of [
    ['space', 'stem', 'width'],
    ['space', 'head', 'width'],
  ] as Path[]) {
    const w = p[1] === 'stem' ? config.space.stem.width : config.space.head.width;
    if (r.locations.get(joinPath(p))?.node && clean(joinPath(p)) && w % 8 !== 0) {
      report(
        p,
        'warning',
        'width-not-multiple-of-8',
        `Width ${w} is not a multiple of 8: kernels run faster on multiples of 8.`,
      );
    }
  }

  // Resolutions against the input and the strides.
  // A stride that is not 1 or 2 is reported above; a resolution judged by it would be a second, misleading error.
  const spaceOk =
    clean('space') &&
    clean('task') &&
    Array.isArray(config.space.stages) &&
    !out.some((p) => p.code === 'bad-stride');
  if (spaceOk && config.space.resolution) {
    const strides = [config.space.stem.stride, ...config.space.stages.map((s) => s.stride)];
    const total = strides.reduce((a, b) => a * b, 1);
    config.space.resolution.forEach((res, j) => {
      if (res > config.task.input[0]) {
        report(
          ['space', 'resolution', j],
          'error',
          'resolution-too-large',
          `Resolution ${res} is larger than the input height ${config.task.input[0]}: subnets only shrink the input.`,
        );
      } else if (Math.floor(res / total) === 0) {
        report(
          ['space', 'resolution', j],
          'error',
          'resolution-collapses',
          `Resolution ${res} collapses to 0 after the strides (total stride ${total}): use at least ${total}.`,
        );
      }
    });
  } else if (spaceOk && Math.floor(config.task.input[0] / strideProduct(config)) === 0) {
    report(
      ['space', 'stages'],
      'error',
      'resolution-collapses',
      `The input height ${config.task.input[0]} collapses to 0 after the strides (total stride ${strideProduct(config)}).`,
      undefined,
      'key',
    );
  }

  // Facts-based checks: constraints and memory.
  const factsOk = spaceOk && !out.some((p) => p.severity === 'error');
  const facts = factsOk ? spaceFacts(config) : undefined;
  config.search.constraints?.forEach((text, j) => {
    if (!clean(`search.constraints.${j}`)) return;
    const c = parseConstraint(text);
    const path = ['search', 'constraints', j];
    if (typeof c === 'string') {
      report(path, 'error', 'bad-constraint', c);
      return;
    }
    if (!facts || (c.metric !== 'flops' && c.metric !== 'params')) return;
    const [lo, hi] = facts[c.metric];
    const name = c.metric === 'flops' ? 'FLOPs' : 'parameters';
    const exact = (v: number) =>
      formatCount(v) === String(v) ? String(v) : `${formatCount(v)} (${v})`;
    if (isUpperBound(c) ? !meets(c, lo) : !meets(c, hi)) {
      const bound = isUpperBound(c) ? lo : hi;
      const fixed = `${c.metric} ${c.op === '<' || c.op === '<=' ? '<=' : '>='} ${formatBound(c.metric, bound)}`;
      // The replacement covers the scalar with its quotes: keep the quotes the user wrote.
      const quote =
        ({ QUOTE_DOUBLE: '"', QUOTE_SINGLE: "'" } as Record<string, string>)[
          String((r.locations.get(joinPath(path))?.node as { type?: string } | undefined)?.type)
        ] ?? '';
      report(
        path,
        'error',
        'infeasible-constraint',
        isUpperBound(c)
          ? `No subnet meets '${text}': the smallest subnet has ${exact(lo)} ${name}.`
          : `No subnet meets '${text}': the largest subnet has ${exact(hi)} ${name}.`,
        {
          replacement: quote + fixed + quote,
          fixTitle: `Set the constraint to the feasible bound: ${fixed}`,
        },
      );
    } else if (isUpperBound(c) ? meets(c, hi) : meets(c, lo)) {
      report(
        path,
        'warning',
        'redundant-constraint',
        `Every subnet meets '${text}' (${name} range ${formatCount(lo)}–${formatCount(hi)}): the constraint has no effect.`,
      );
    }
  });
  if (
    facts &&
    opts.memoryLimitBytes !== undefined &&
    facts.trainingMemoryBytes > opts.memoryLimitBytes
  ) {
    const where: Path = r.locations.get('train.batchSize')?.key
      ? ['train', 'batchSize']
      : ['space'];
    report(
      where,
      'warning',
      'memory-exceeds-machine',
      `A training step needs about ${formatBytes(facts.trainingMemoryBytes)} (largest subnet, batch ${config.train.batchSize}), more than this machine's ${formatBytes(opts.memoryLimitBytes)}: use a smaller batch or search space.`,
      undefined,
      'key',
    );
  }

  // Search settings.
  if (
    clean('search.population') &&
    config.search.algorithm === 'nsga2' &&
    config.search.population < 4
  ) {
    report(
      ['search', 'population'],
      'error',
      'population-too-small',
      `NSGA-II needs a population of at least 4 (binary tournaments and crowding distance); got ${config.search.population}.`,
      { replacement: '4', fixTitle: 'Set the population to 4' },
    );
  }
  if (
    clean('train.sampler') &&
    config.train.sampler.type === 'sandwich' &&
    config.train.sampler.subnets < 2
  ) {
    report(
      ['train', 'sampler', 'subnets'],
      'error',
      'out-of-range',
      'The sandwich rule trains the largest and the smallest subnet each step: `subnets` must be at least 2.',
    );
  }
  if (
    clean('train.sampler') &&
    config.train.sampler.type === 'uniform' &&
    config.train.sampler.subnets !== 1 &&
    r.locations.get('train.sampler.subnets')?.node
  ) {
    report(
      ['train', 'sampler', 'subnets'],
      'warning',
      'unused-setting',
      'The uniform sampler trains one subnet per step: `subnets` is ignored.',
    );
  }

  // Data paths.
  if (clean('task')) {
    if (config.task.dataset === 'idx' && config.task.path === undefined) {
      report(
        ['task', 'dataset'],
        'error',
        'missing-path',
        '`dataset: idx` needs `task.path`: the folder of the IDX files.',
      );
    }
    if (config.task.path !== undefined && opts.pathExists && opts.resolvePath && opts.configPath) {
      const abs = opts.resolvePath(opts.configPath, config.task.path);
      if (!opts.pathExists(abs))
        report(['task', 'path'], 'error', 'path-not-found', `Data folder not found: ${abs}`);
    }
  }
  return out;
}

function strideProduct(config: ResolvedConfig['config']): number {
  return [config.space.stem.stride, ...config.space.stages.map((s) => s.stride)].reduce(
    (a, b) => a * b,
    1,
  );
}

/** Every elastic choice list: sorted ascending, no duplicates. Walks the schema to find them. */
function checkChoices(
  r: ResolvedConfig,
  schema: Schema,
  path: Path,
  report: (
    path: Path,
    severity: Problem['severity'],
    code: Problem['code'],
    message: string,
    data?: Problem['data'],
  ) => void,
): void {
  const loc = r.locations.get(joinPath(path));
  if (!loc) return;
  if (schema.kind === 'object') {
    for (const [k, f] of Object.entries(schema.fields as Fields))
      checkChoices(r, f, [...path, k], report);
  } else if (schema.kind === 'array' && !schema.choices) {
    for (let i = 0; r.locations.has(joinPath([...path, i])); i++)
      checkChoices(r, schema.items as Schema, [...path, i], report);
  } else if (
    schema.kind === 'array' &&
    schema.choices &&
    !r.errorPaths.some((p) => p.startsWith(joinPath(path)))
  ) {
    const values: number[] = [];
    for (let i = 0; r.locations.has(joinPath([...path, i])); i++) {
      const n = r.locations.get(joinPath([...path, i]))?.node as { value?: unknown } | undefined;
      if (typeof n?.value === 'number') values.push(n.value);
    }
    const fixed = [...new Set(values)].sort((a, b) => a - b);
    const text = `[${fixed.join(', ')}]`;
    const name = `\`${joinPath(path)}\``;
    if (new Set(values).size !== values.length) {
      const dups = [...new Set(values.filter((v, i) => values.indexOf(v) !== i))];
      report(
        path,
        'warning',
        'duplicate-choices',
        `${name} lists ${dups.join(', ')} more than once: duplicates make those choices more likely to be sampled.`,
        { replacement: text, fixTitle: `Remove duplicates: ${text}` },
      );
    } else if (values.some((v, i) => i > 0 && values[i - 1] > v)) {
      report(
        path,
        'warning',
        'unsorted-choices',
        `${name} is not sorted: choices are listed from smallest to largest.`,
        { replacement: text, fixTitle: `Sort choices: ${text}` },
      );
    }
  }
}
