import {
  canOmit,
  defaultOf,
  typeName,
  type Fields,
  type Infer,
  type InferFields,
  type ObjectSchema,
  type Schema,
} from './dsl';

/**
 * Checks a value that crossed a boundary (another process, another machine, a file) against
 * its schema, every field at every depth, and says what is wrong in words that name the field:
 * `archs[3].stages[0].depth must be an integer`. A field with a default or marked optional may
 * be absent. Fields the schema does not name are let through unchecked: a newer writer may add
 * some, and the format version is what tells readers apart.
 */
export function problemOf(schema: Schema, value: unknown, where = 'the value'): string | undefined {
  const bad = (want: string) => `${where} must be ${want}`;
  switch (schema.kind) {
    case 'number': {
      if (value === null && (schema.nullable || schema.figure)) return undefined;
      if (schema.figure && typeof value === 'number' && !Number.isFinite(value)) return undefined;
      if (typeof value !== 'number' || !Number.isFinite(value)) return bad(typeName(schema));
      if (schema.integer && !Number.isInteger(value)) return bad('an integer');
      // A number is safe to say back (a string may be a path or a secret: never quoted).
      const is = ` (it is ${value})`;
      if (schema.minimum !== undefined && value < schema.minimum)
        return bad(`at least ${schema.minimum}${is}`);
      if (schema.maximum !== undefined && value > schema.maximum)
        return bad(`at most ${schema.maximum}${is}`);
      if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum)
        return bad(`above ${schema.exclusiveMinimum}${is}`);
      if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum)
        return bad(`below ${schema.exclusiveMaximum}${is}`);
      return undefined;
    }
    case 'string':
      if (value === null && schema.nullable) return undefined;
      if (typeof value !== 'string') return bad('a string');
      if (schema.minLength !== undefined && value.length < schema.minLength)
        return bad(`at least ${schema.minLength} characters long`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength)
        return bad(`at most ${schema.maxLength} characters long`);
      if (schema.pattern && !schema.pattern.test(value))
        return bad(`of the form ${schema.pattern}`);
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : bad('true or false');
    case 'enum':
    case 'literal':
      return (
        schema.kind === 'enum' ? schema.values.includes(value as string) : value === schema.value
      )
        ? undefined
        : bad(typeName(schema));
    case 'array': {
      if (!Array.isArray(value)) return bad('a list');
      const has = ` (it has ${value.length})`;
      if (schema.minItems !== undefined && value.length < schema.minItems)
        return bad(`a list of at least ${schema.minItems}${has}`);
      if (schema.maxItems !== undefined && value.length > schema.maxItems)
        return bad(`a list of at most ${schema.maxItems}${has}`);
      for (const [i, item] of value.entries()) {
        const p = problemOf(schema.items as Schema, item, `${where}[${i}]`);
        if (p) return p;
      }
      return undefined;
    }
    case 'object':
      return fieldsProblem(schema.fields as Fields, value, where);
    case 'map': {
      if (!isRecord(value)) return bad(typeName(schema));
      for (const [k, v] of Object.entries(value)) {
        if (!schema.keys.includes(k) && !schema.keyPattern?.pattern.test(k))
          return `${where} has an unknown key '${k}'`;
        const p = problemOf(schema.value as Schema, v, `${where}.${k}`);
        if (p) return p;
      }
      return undefined;
    }
    case 'opaque':
      return isRecord(value) ? undefined : bad(typeName(schema));
    case 'record': {
      if (!isRecord(value)) return bad(typeName(schema));
      for (const [k, v] of Object.entries(value)) {
        const p = problemOf(schema.value as Schema, v, `${where}.${k}`);
        if (p) return p;
      }
      return undefined;
    }
    case 'tuple': {
      const items = schema.items as readonly Schema[];
      if (!Array.isArray(value) || value.length !== items.length) return bad(typeName(schema));
      for (const [i, item] of items.entries()) {
        const p = problemOf(item, value[i], `${where}[${i}]`);
        if (p) return p;
      }
      return undefined;
    }
    case 'union': {
      if (!isRecord(value)) return bad(typeName(schema));
      const tag = value[schema.discriminant];
      const variants = schema.variants as Record<string, ObjectSchema>;
      if (typeof tag !== 'string' || !Object.hasOwn(variants, tag))
        return `${where}.${schema.discriminant} must be one of ${Object.keys(variants)
          .map((v) => `'${v}'`)
          .join(', ')}`;
      return fieldsProblem(variants[tag].fields as Fields, value, where);
    }
  }
}

/** `value` as `schema` describes it, or the problem with it. */
export function parseWith<S extends Schema>(
  schema: S,
  value: unknown,
  where?: string,
): { ok: true; value: Infer<S> } | { ok: false; problem: string } {
  const problem = problemOf(schema, value, where);
  return problem === undefined ? { ok: true, value: value as Infer<S> } : { ok: false, problem };
}

export const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

function fieldsProblem(fields: Fields, value: unknown, where: string): string | undefined {
  if (!isRecord(value)) return `${where} must be a mapping of keys to values`;
  for (const [k, f] of Object.entries(fields)) {
    const v = value[k];
    if (v === undefined) {
      if (canOmit(f)) continue;
      return `${where}.${k} is missing`;
    }
    const p = problemOf(f, v, `${where}.${k}`);
    if (p) return p;
  }
  return undefined;
}

/**
 * A record of a file as a tolerant reader takes it (a line of a file an older version wrote,
 * a field a hand edit broke): every required field must be right, or the record is refused
 * with the problem; a field that may be left out is kept when right and otherwise takes its
 * default (or is left out). Fields the schema does not name are dropped.
 */
export function readTolerant<F extends Fields>(
  schema: ObjectSchema<F>,
  value: unknown,
  where = 'the record',
): { ok: true; value: InferFields<F> } | { ok: false; problem: string } {
  if (!isRecord(value))
    return { ok: false, problem: `${where} must be a mapping of keys to values` };
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(schema.fields as Fields)) {
    const v = value[k];
    const problem = v === undefined ? 'missing' : problemOf(f, v, `${where}.${k}`);
    if (problem === undefined) out[k] = v;
    else if (canOmit(f)) {
      const d = defaultOf(f);
      if (d !== undefined) out[k] = d;
    } else
      return { ok: false, problem: problem === 'missing' ? `${where}.${k} is missing` : problem };
  }
  return { ok: true, value: out as InferFields<F> };
}

/** The fields of `value` that are as the schema says, each on its own; the rest left out. */
export function validFields<F extends Fields>(
  schema: ObjectSchema<F>,
  value: Record<string, unknown>,
): Partial<InferFields<F>> {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(schema.fields as Fields))
    if (value[k] !== undefined && problemOf(f, value[k]) === undefined) out[k] = value[k];
  return out as Partial<InferFields<F>>;
}

/**
 * Turns the nulls JSON wrote for NaN figures (`figure`) back into NaN, in place, in a value
 * `problemOf` accepted: what was written as a number reads back as one.
 */
export function reviveFigures(schema: Schema, value: unknown): void {
  switch (schema.kind) {
    case 'array':
      if (Array.isArray(value))
        value.forEach((v, i) => {
          if (v === null && isFigure(schema.items)) value[i] = NaN;
          else reviveFigures(schema.items as Schema, v);
        });
      return;
    case 'tuple':
      if (Array.isArray(value))
        (schema.items as readonly Schema[]).forEach((s, i) => {
          if (value[i] === null && isFigure(s)) value[i] = NaN;
          else reviveFigures(s, value[i]);
        });
      return;
    case 'record':
      if (isRecord(value))
        for (const [k, v] of Object.entries(value)) {
          if (v === null && isFigure(schema.value)) value[k] = NaN;
          else reviveFigures(schema.value as Schema, v);
        }
      return;
    case 'object':
      reviveFields(schema.fields as Fields, value);
      return;
    case 'union':
      if (isRecord(value)) {
        const variant = (schema.variants as Record<string, ObjectSchema>)[
          String(value[schema.discriminant])
        ];
        if (variant) reviveFields(variant.fields as Fields, value);
      }
      return;
    default:
      return;
  }
}

const isFigure = (s: Schema): boolean => s.kind === 'number' && s.figure === true;

function reviveFields(fields: Fields, value: unknown): void {
  if (!isRecord(value)) return;
  for (const [k, f] of Object.entries(fields)) {
    if (value[k] === null && isFigure(f)) value[k] = NaN;
    else if (value[k] !== undefined) reviveFigures(f, value[k]);
  }
}
