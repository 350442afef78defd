import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type Node } from 'yaml';
import { configSchema, type SupernetConfig } from './configSchema';
import { didYouMean } from './didYouMean';
import type { Problem } from './problems';
import { canOmit, defaultOf, typeName, type Fields, type Schema } from '#shared/schema/dsl';
import { MAX_NESTING, parseYamlSafely } from '#shared/yamlParse';

/** Where a value of the config stands in the text. */
export interface Located {
  /** Range of the key (absent for list items and the root). */
  key?: [number, number];
  /** Range of the value (an empty range right after the key when the value is missing). */
  value: [number, number];
  /** The YAML node of the value, when present. */
  node?: Node;
  schema: Schema;
}

export interface ResolvedConfig {
  /** The config with defaults filled in. Fields with errors take their default when they have one. */
  config: SupernetConfig;
  problems: Problem[];
  /** Every value by its path (`space.stages.0.kernel`), for locating semantic findings. */
  locations: Map<string, Located>;
  /** Paths (`space.stages.0.kernel`) whose value had a schema error. */
  errorPaths: string[];
  /** False when the text is not YAML the validator could read at all. */
  readable: boolean;
  lineCounter: LineCounter;
}

export const joinPath = (path: readonly (string | number)[]): string => path.join('.');

/** Parse and schema-check a config's text. Never throws on any input. */
export function resolveConfig(text: string): ResolvedConfig {
  const lineCounter = new LineCounter();
  if (text.length > MAX_CONFIG_CHARS)
    return unparsed(
      text,
      0,
      lineCounter,
      `The config is ${Math.round(text.length / 1024)} KiB, more than the ${MAX_CONFIG_CHARS / 1024} KiB a config may have; it is not read.`,
    );
  const parsed = parseYamlSafely(text, { lineCounter, uniqueKeys: true });
  if (parsed.tooDeepAt !== undefined)
    return unparsed(
      text,
      parsed.tooDeepAt,
      lineCounter,
      `YAML: nested more than ${MAX_NESTING} levels deep; the config is not read.`,
    );
  const doc = parsed.doc;
  const r = new Resolver();
  for (const e of doc.errors) {
    r.problem(
      e.pos[0],
      Math.max(e.pos[1], e.pos[0] + 1),
      'error',
      'yaml-syntax',
      plainYamlMessage(e.message),
    );
  }
  for (const w of doc.warnings) {
    r.problem(
      w.pos[0],
      Math.max(w.pos[1], w.pos[0] + 1),
      'warning',
      'yaml-syntax',
      plainYamlMessage(w.message),
    );
  }
  const readable = doc.errors.length === 0 || isMap(doc.contents);
  const root = doc.contents;
  let config: unknown;
  if (root === null || (isScalar(root) && root.value === null)) {
    r.problem(
      0,
      Math.min(text.length, firstLineEnd(text)),
      'error',
      'missing-key',
      'The config is empty: it needs at least `space.stages`.',
    );
    config = defaultOf(configSchema);
  } else {
    config = r.value(root, configSchema, [], [0, firstLineEnd(text)]);
  }
  return {
    config: (config ?? defaultOf(configSchema)) as SupernetConfig,
    problems: r.problems,
    locations: r.locations,
    errorPaths: r.errorPaths,
    readable,
    lineCounter,
  };
}

/**
 * The most characters a config may have. Real configs are a few KiB (64 stages, the most a
 * space may have, fit in about 20); the bound keeps a pasted or generated monster from
 * costing the language server seconds per keystroke.
 */
export const MAX_CONFIG_CHARS = 256 * 1024;

/**
 * A text too large or nested too deep to read safely: one error at `at`, defaults for the
 * rest.
 */
function unparsed(
  text: string,
  at: number,
  lineCounter: LineCounter,
  message: string,
): ResolvedConfig {
  const start = Math.min(at, text.length);
  return {
    config: defaultOf(configSchema) as SupernetConfig,
    problems: [
      {
        start,
        end: Math.min(start + 1, text.length),
        severity: 'error',
        code: 'yaml-syntax',
        message,
      },
    ],
    locations: new Map(),
    errorPaths: [],
    readable: false,
    lineCounter,
  };
}

function firstLineEnd(text: string): number {
  const i = text.search(/[\r\n]/);
  return i < 0 ? text.length : i;
}

function plainYamlMessage(m: string): string {
  return 'YAML: ' + m.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
}

function rangeOf(n: Node): [number, number] {
  const r = n.range;
  return r ? [r[0], r[1]] : [0, 0];
}

class Resolver {
  readonly problems: Problem[] = [];
  readonly locations = new Map<string, Located>();
  readonly errorPaths: string[] = [];

  problem(
    start: number,
    end: number,
    severity: Problem['severity'],
    code: Problem['code'],
    message: string,
    data?: Problem['data'],
  ): void {
    this.problems.push({ start, end, severity, code, message, ...(data ? { data } : {}) });
  }

  private fail(
    path: (string | number)[],
    range: [number, number],
    code: Problem['code'],
    message: string,
    data?: Problem['data'],
  ): void {
    this.errorPaths.push(joinPath(path));
    // Messages may start with `where`: 'the config is missing …' reads 'The config is missing …'.
    this.problem(
      range[0],
      Math.max(range[1], range[0]),
      'error',
      code,
      message[0].toUpperCase() + message.slice(1),
      data,
    );
  }

  /** Resolve `node` against `schema`; on error, report it and return the schema's default. */
  value(
    node: Node,
    schema: Schema,
    path: (string | number)[],
    keyRange?: [number, number],
  ): unknown {
    const range = rangeOf(node);
    this.locations.set(joinPath(path), {
      ...(keyRange && path.length ? { key: keyRange } : {}),
      value: range,
      node,
      schema,
    });
    const where = path.length ? `\`${joinPath(path)}\`` : 'the config';
    if (isAlias(node)) {
      this.fail(
        path,
        range,
        'wrong-type',
        `Aliases are not supported in ${where}; write the value out.`,
      );
      return defaultOf(schema);
    }
    if (isScalar(node) && node.value === null && schema.kind !== 'string') {
      if (canOmit(schema)) return defaultOf(schema);
      this.fail(
        path,
        keyRange ?? range,
        'missing-key',
        `${where} needs a value: ${typeName(schema)}.`,
      );
      // A required object still gets its defaulted fields, so later checks can rely on it.
      return defaultOf(schema);
    }
    switch (schema.kind) {
      case 'number':
        return this.number(node, schema, path, where);
      case 'string':
        return this.string(node, schema, path, where);
      case 'boolean':
        if (!isScalar(node) || typeof node.value !== 'boolean') {
          this.fail(path, range, 'wrong-type', `${where} must be true or false.`);
          return defaultOf(schema);
        }
        return node.value;
      case 'enum': {
        if (!isScalar(node) || typeof node.value !== 'string') {
          this.fail(path, range, 'wrong-type', `${where} must be ${typeName(schema)}.`);
          return defaultOf(schema);
        }
        if (!schema.values.includes(node.value)) {
          const guess = didYouMean(node.value, schema.values);
          this.fail(
            path,
            range,
            'unknown-value',
            `Unknown value '${node.value}' for ${where}${guess ? `; did you mean '${guess}'?` : `: expected ${typeName(schema)}.`}`,
            guess ? { replacement: guess, fixTitle: `Change to '${guess}'` } : undefined,
          );
          return defaultOf(schema);
        }
        return node.value;
      }
      case 'array':
        return this.array(node, schema, path, where);
      case 'literal':
      case 'union':
      case 'record':
      case 'tuple':
      case 'opaque':
        // Contract-only kinds (shared/src/schema/validate.ts): no key of the config uses them.
        throw new Error(`the config schema at ${where} uses a ${schema.kind} schema`);
      case 'object':
        return this.object(node, schema.fields as Fields, undefined, path, where, keyRange);
      case 'map': {
        const fields: Fields = {};
        for (const k of schema.keys)
          fields[k] = { ...schema.value, optional: true, doc: schema.keyDocs[k] };
        const extra = schema.keyPattern;
        if (extra && isMap(node))
          for (const pair of node.items) {
            const k = isScalar(pair.key) ? String(pair.key.value) : '';
            if (extra.pattern.test(k) && !fields[k])
              fields[k] = { ...schema.value, optional: true, doc: extra.doc };
          }
        const before = this.errorPaths.length;
        const v = this.object(node, fields, 'objective', path, where, keyRange);
        if (v && schema.minProperties && Object.keys(v).length < schema.minProperties) {
          // Entries that were reported already (an unknown objective) need no second error.
          if (this.errorPaths.length !== before) return defaultOf(schema);
          this.fail(
            path,
            range,
            'missing-key',
            `${where} needs at least ${schema.minProperties} entry.`,
          );
          return defaultOf(schema);
        }
        return v;
      }
    }
  }

  private string(
    node: Node,
    s: Extract<Schema, { kind: 'string' }>,
    path: (string | number)[],
    where: string,
  ): unknown {
    const range = rangeOf(node);
    if (
      !isScalar(node) ||
      (typeof node.value !== 'string' && typeof node.value !== 'number') ||
      node.value === ''
    ) {
      if (isScalar(node) && node.value === null && canOmit(s)) return defaultOf(s);
      this.fail(path, range, 'wrong-type', `${where} must be a non-empty string.`);
      return defaultOf(s);
    }
    const v = String(node.value);
    if (s.maxLength !== undefined && v.length > s.maxLength) {
      this.fail(
        path,
        range,
        'out-of-range',
        `${where} must be at most ${s.maxLength} characters; got ${v.length}.`,
      );
      return defaultOf(s);
    }
    return v;
  }

  private number(
    node: Node,
    s: Extract<Schema, { kind: 'number' }>,
    path: (string | number)[],
    where: string,
  ): unknown {
    const range = rangeOf(node);
    if (!isScalar(node) || typeof node.value !== 'number' || !Number.isFinite(node.value)) {
      this.fail(path, range, 'wrong-type', `${where} must be ${typeName(s)}.`);
      return s.default;
    }
    const v = node.value;
    if (s.integer && !Number.isInteger(v)) {
      this.fail(path, range, 'wrong-type', `${where} must be an integer, not ${v}.`);
      return s.default;
    }
    const bounds: string[] = [];
    if (s.minimum !== undefined && v < s.minimum) bounds.push(`at least ${s.minimum}`);
    if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum)
      bounds.push(`greater than ${s.exclusiveMinimum}`);
    if (s.maximum !== undefined && v > s.maximum) bounds.push(`at most ${s.maximum}`);
    if (s.exclusiveMaximum !== undefined && v >= s.exclusiveMaximum)
      bounds.push(`less than ${s.exclusiveMaximum}`);
    if (bounds.length) {
      this.fail(path, range, 'out-of-range', `${where} must be ${bounds.join(' and ')}; got ${v}.`);
      return s.default;
    }
    return v;
  }

  private array(
    node: Node,
    s: Extract<Schema, { kind: 'array' }>,
    path: (string | number)[],
    where: string,
  ): unknown {
    const range = rangeOf(node);
    if (!isSeq(node)) {
      const hint =
        s.choices && isScalar(node) && typeof node.value === 'number'
          ? ` Write [${node.value}] for a single choice.`
          : '';
      this.fail(
        path,
        range,
        'wrong-type',
        `${where} must be ${typeName(s)}.${hint}`,
        hint && isScalar(node)
          ? {
              replacement: `[${String(node.value)}]`,
              fixTitle: `Change to [${String(node.value)}]`,
            }
          : undefined,
      );
      return defaultOf(s);
    }
    // A list longer than its schema allows is reported as such, and its items past the
    // limit are not read: a pasted config of thousands of stages stays fast to check.
    if (s.maxItems !== undefined && node.items.length > s.maxItems) {
      this.locations.set(joinPath(path), { value: range, node, schema: s });
      this.fail(
        path,
        range,
        'out-of-range',
        `${where} takes at most ${s.maxItems} items; got ${node.items.length}.`,
      );
      return defaultOf(s);
    }
    const out: unknown[] = [];
    let ok = true;
    node.items.forEach((item, i) => {
      const before = this.errorPaths.length;
      const v = isPair(item)
        ? undefined
        : this.value(item as Node, s.items as Schema, [...path, i]);
      if (isPair(item)) {
        this.fail(
          [...path, i],
          range,
          'wrong-type',
          `Items of ${where} must be values, not key: value pairs.`,
        );
      }
      if (this.errorPaths.length !== before || v === undefined) ok = false;
      out.push(v);
    });
    if (s.minItems !== undefined && out.length < s.minItems) {
      this.fail(
        path,
        range,
        'out-of-range',
        `${where} needs at least ${s.minItems} item${s.minItems > 1 ? 's' : ''}; got ${out.length}.`,
      );
      return defaultOf(s);
    }
    return ok ? out : defaultOf(s);
  }

  private object(
    node: Node,
    fields: Fields,
    what: string | undefined,
    path: (string | number)[],
    where: string,
    keyRange?: [number, number],
  ): Record<string, unknown> | undefined {
    const range = rangeOf(node);
    if (!isMap(node)) {
      this.fail(path, range, 'wrong-type', `${where} must be a mapping of keys to values.`);
      return defaultOf({ kind: 'object', doc: '', fields }) as Record<string, unknown>;
    }
    const out: Record<string, unknown> = {};
    const known = Object.keys(fields);
    // Once per mapping, not once per key: a mapping of 20,000 unknown keys stays linear.
    const present = new Set(node.items.map((p) => (isScalar(p.key) ? String(p.key.value) : '')));
    const absent = known.filter((f) => !present.has(f));
    for (const pair of node.items) {
      const k = pair.key as Node | null;
      if (!k || !isScalar(k) || (typeof k.value !== 'string' && typeof k.value !== 'number')) {
        const r = k ? rangeOf(k) : range;
        this.fail(path, r, 'wrong-type', `Keys of ${where} must be plain names.`);
        continue;
      }
      const name = String(k.value);
      const kr = rangeOf(k);
      const sub = fields[name];
      if (!sub) {
        const guess = didYouMean(name, absent);
        const kind = what ?? 'key';
        this.fail(
          [...path, name],
          kr,
          'unknown-key',
          `Unknown ${kind} '${name}' in ${where}${guess ? `; did you mean '${guess}'?` : `. Expected one of: ${known.join(', ')}.`}`,
          guess ? { replacement: guess, fixTitle: `Change to '${guess}'` } : undefined,
        );
        continue;
      }
      const valueNode = pair.value as Node | null;
      if (!valueNode) {
        this.locations.set(joinPath([...path, name]), {
          key: kr,
          value: [kr[1] + 1, kr[1] + 1],
          schema: sub,
        });
        if (!canOmit(sub)) {
          this.fail(
            [...path, name],
            kr,
            'missing-key',
            `\`${joinPath([...path, name])}\` needs a value: ${typeName(sub)}.`,
          );
        }
        const d = defaultOf(sub);
        if (d !== undefined) out[name] = d;
        continue;
      }
      const v = this.value(valueNode, sub, [...path, name], kr);
      if (v !== undefined) out[name] = v;
    }
    for (const [name, sub] of Object.entries(fields)) {
      if (name in out || present.has(name)) continue;
      if (!canOmit(sub)) {
        const at = keyRange ?? [range[0], range[0] + 1];
        this.fail(
          [...path, name],
          at,
          'missing-key',
          `${where} is missing \`${name}\`: ${sub.doc.split('. ')[0].replace(/\.$/, '')}.`,
        );
      }
      // A missing required object still gets its defaulted fields (`space` without `stages` keeps `stem` and `head`).
      const d = defaultOf(sub);
      if (d !== undefined) out[name] = d;
    }
    return out;
  }
}
