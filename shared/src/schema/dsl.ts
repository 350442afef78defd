/**
 * A small schema language: the one source of truth for a contract's TypeScript type
 * (through `Infer`) and its validation. The config's JSON Schema (`toJsonSchema`), its
 * validation with source ranges (`resolve.ts`) and the documentation that hover and
 * completion show come from it; so do the checks of the contracts between processes and
 * machines (`validate.ts`: queue jobs and results so far).
 */

export interface Base<T> {
  /** Markdown shown on hover and in completion items. */
  doc: string;
  /** Value used when the key is absent. */
  default?: T;
  /** Absent and no default: the value stays undefined. */
  optional?: boolean;
  /** A short example for completion snippets and docs. */
  example?: string;
}

export interface NumberSchema extends Base<number> {
  kind: 'number';
  integer?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  unit?: string;
  /** null is a value too (a τ not yet defined at the first epoch). */
  nullable?: boolean;
  /**
   * A measured figure: any number, NaN and ±Infinity included (a loss that diverged, τ of
   * tied subnets), which JSON writes as null. Its type stays `number`: readers take null
   * back as NaN (`reviveFigures`), so a chart shows a gap, not a refused record.
   */
  figure?: boolean;
}

export interface StringSchema extends Base<string> {
  kind: 'string';
  minLength?: number;
  maxLength?: number;
  /** A regular expression the whole string must match. */
  pattern?: RegExp;
  /** null is a value too. */
  nullable?: boolean;
}

/** One fixed value: a record's kind or format version. */
export interface LiteralSchema<
  V extends string | number | boolean = string | number | boolean,
> extends Base<V> {
  kind: 'literal';
  value: V;
}

/** An object of any keys whose values share one schema: counts by name, scores by proxy. */
export interface RecordSchema<V extends Schema = Schema> extends Base<Record<string, unknown>> {
  kind: 'record';
  value: V;
}

/** A list of fixed length, each place its own schema: an interval `[low, high]`. */
export interface TupleSchema<I extends readonly Schema[] = readonly Schema[]> extends Base<
  unknown[]
> {
  kind: 'tuple';
  items: I;
}

/**
 * One of several object shapes, told apart by the literal value of one field (`kind`,
 * `type`): each variant is the object schema for one value.
 */
export interface UnionSchema<
  D extends string = string,
  V extends Record<string, ObjectSchema> = Record<string, ObjectSchema>,
> extends Base<unknown> {
  kind: 'union';
  discriminant: D;
  variants: V;
}

/**
 * A mapping whose contents the part that owns them checks (a sampler's own state in a
 * checkpoint): here only that it is a mapping; its type is `unknown` until its owner reads it.
 */
export interface OpaqueSchema extends Base<Record<string, unknown>> {
  kind: 'opaque';
}

export interface BooleanSchema extends Base<boolean> {
  kind: 'boolean';
}

export interface EnumSchema<V extends string = string> extends Base<V> {
  kind: 'enum';
  values: readonly V[];
  valueDocs: Readonly<Record<V, string>>;
}

export interface ArraySchema<I extends Schema = Schema> extends Base<unknown[]> {
  kind: 'array';
  items: I;
  minItems?: number;
  maxItems?: number;
  /** Elastic choices: sorted ascending, no duplicates (checked as warnings/errors with quick fixes). */
  choices?: boolean;
}

export interface ObjectSchema<F extends Fields = Fields> extends Base<Record<string, unknown>> {
  kind: 'object';
  fields: F;
}

/** An object whose keys come from a fixed set and whose values share one schema. */
export interface MapSchema<K extends string = string, V extends Schema = Schema> extends Base<
  Partial<Record<K, unknown>>
> {
  kind: 'map';
  keys: readonly K[];
  keyDocs: Readonly<Record<K, string>>;
  value: V;
  minProperties?: number;
  /** Keys beyond `keys` that are accepted too (`latency@NAME`), with what such a key means. */
  keyPattern?: { pattern: RegExp; doc: string };
}

export type Schema =
  | NumberSchema
  | StringSchema
  | BooleanSchema
  | OpaqueSchema
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  | RecordSchema<any>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  | TupleSchema<any>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  | LiteralSchema<any>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  | UnionSchema<string, any>
  | EnumSchema<string>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  | ArraySchema<any>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  | ObjectSchema<any>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  | MapSchema<string, any>;

export type Fields = Record<string, Schema>;

type OptionalKeys<F extends Fields> = {
  [K in keyof F]: F[K] extends { optional: true } ? K : never;
}[keyof F];

export type InferFields<F extends Fields> = {
  [K in Exclude<keyof F, OptionalKeys<F>>]: Infer<F[K]>;
} & { [K in OptionalKeys<F>]?: Infer<F[K]> };

export type Infer<S> = S extends NumberSchema
  ? S extends { nullable: true }
    ? number | null
    : number
  : S extends StringSchema
    ? S extends { nullable: true }
      ? string | null
      : string
    : S extends BooleanSchema
      ? boolean
      : S extends OpaqueSchema
        ? unknown
        : S extends EnumSchema<infer V>
          ? V
          : S extends ArraySchema<infer I>
            ? Infer<I>[]
            : S extends ObjectSchema<infer F>
              ? InferFields<F>
              : S extends MapSchema<infer K, infer V>
                ? Partial<Record<K, Infer<V>>>
                : S extends LiteralSchema<infer V>
                  ? V
                  : S extends RecordSchema<infer V>
                    ? Record<string, Infer<V>>
                    : S extends TupleSchema<infer I>
                      ? { -readonly [P in keyof I]: Infer<I[P]> }
                      : S extends UnionSchema<infer D, infer V>
                        ? { [T in keyof V]: Infer<V[T]> & Record<D, T> }[keyof V]
                        : never;

type Opts<S extends Base<unknown>> = Omit<S, 'kind' | 'doc'>;

export const num = (doc: string, o: Opts<NumberSchema> = {}): NumberSchema => ({
  kind: 'number',
  doc,
  ...o,
});
export const int = (doc: string, o: Opts<NumberSchema> = {}): NumberSchema =>
  num(doc, { ...o, integer: true });
export const str = (doc: string, o: Opts<StringSchema> = {}): StringSchema => ({
  kind: 'string',
  doc,
  ...o,
});
export const bool = (doc: string, o: Opts<BooleanSchema> = {}): BooleanSchema => ({
  kind: 'boolean',
  doc,
  ...o,
});
export const oneOf = <V extends string>(
  doc: string,
  valueDocs: Record<V, string>,
  o: { default?: V; optional?: boolean; example?: string } = {},
): EnumSchema<V> => ({
  kind: 'enum',
  doc,
  values: Object.keys(valueDocs) as V[],
  valueDocs,
  ...o,
});
export const list = <I extends Schema>(
  doc: string,
  items: I,
  o: Omit<Opts<ArraySchema<I>>, 'items'> = {},
): ArraySchema<I> => ({ kind: 'array', doc, items, ...o });
/** Elastic choices of a positive integer: a sorted list without duplicates. */
export const choices = (
  doc: string,
  item: NumberSchema,
  o: Omit<Opts<ArraySchema<NumberSchema>>, 'items'> = {},
): ArraySchema<NumberSchema> => ({
  kind: 'array',
  doc,
  items: item,
  minItems: 1,
  choices: true,
  ...o,
});
export const obj = <F extends Fields>(
  doc: string,
  fields: F,
  o: { optional?: boolean; example?: string } = {},
): ObjectSchema<F> => ({ kind: 'object', doc, fields, ...o });
export const map = <K extends string, V extends Schema>(
  doc: string,
  keyDocs: Record<K, string>,
  value: V,
  o: Omit<Opts<MapSchema<K, V>>, 'keys' | 'keyDocs' | 'value'> = {},
): MapSchema<K, V> => ({
  kind: 'map',
  doc,
  keys: Object.keys(keyDocs) as K[],
  keyDocs,
  value,
  ...o,
});
export const opaque = (doc: string): OpaqueSchema => ({ kind: 'opaque', doc });
export const literal = <const V extends string | number | boolean>(
  doc: string,
  value: V,
): LiteralSchema<V> => ({ kind: 'literal', doc, value });
/** Object shapes told apart by the value of `discriminant`, one variant per value. */
export const union = <D extends string, V extends Record<string, ObjectSchema>>(
  doc: string,
  discriminant: D,
  variants: V,
): UnionSchema<D, V> => ({ kind: 'union', doc, discriminant, variants });
export const record = <V extends Schema>(doc: string, value: V): RecordSchema<V> => ({
  kind: 'record',
  doc,
  value,
});
export const tuple = <const I extends readonly Schema[]>(
  doc: string,
  items: I,
): TupleSchema<I> => ({
  kind: 'tuple',
  doc,
  items,
});
/** A string that may also be null. */
export const nullableStr = (doc: string, o: Opts<StringSchema> = {}) =>
  ({ ...str(doc, o), nullable: true }) as StringSchema & { nullable: true };
/** A measured number that may be NaN or infinite (null in JSON, read back as NaN). */
export const figure = (doc: string, o: Opts<NumberSchema> = {}): NumberSchema =>
  num(doc, { ...o, figure: true });
/** A number that may also be null. */
export const nullableNum = (doc: string, o: Opts<NumberSchema> = {}) =>
  ({ ...num(doc, o), nullable: true }) as NumberSchema & { nullable: true };
export const optional = <S extends Schema>(s: S): S & { optional: true } => ({
  ...s,
  optional: true,
});

/** Whether a value may be left out: it has a default, is optional, or is an object all of whose fields may be. */
export function canOmit(s: Schema): boolean {
  const b = s as Base<unknown>;
  if (b.optional || b.default !== undefined) return true;
  if (s.kind === 'object') return Object.values(s.fields as Fields).every(canOmit);
  if (s.kind === 'map') return !s.minProperties;
  return false;
}

/** The value a left-out field takes. */
export function defaultOf(s: Schema): unknown {
  const b = s as Base<unknown>;
  if (b.default !== undefined) return structuredClone(b.default);
  if (b.optional) return undefined;
  if (s.kind === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, f] of Object.entries(s.fields as Fields)) {
      const v = defaultOf(f);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  if (s.kind === 'map') return {};
  return undefined;
}

/** Human name of a schema's type, for "expected …" messages. */
export function typeName(s: Schema): string {
  switch (s.kind) {
    case 'number':
      return s.integer ? 'an integer' : 'a number';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${s.values.map((v) => `'${v}'`).join(', ')}`;
    case 'array':
      return s.choices ? 'a list of choices, e.g. [3, 5]' : 'a list';
    case 'object':
    case 'map':
      return 'a mapping of keys to values';
    case 'record':
    case 'opaque':
      return 'a mapping of names to values';
    case 'tuple':
      return `a list of ${(s.items as readonly Schema[]).length}`;
    case 'literal':
      return JSON.stringify(s.value);
    case 'union':
      return `a mapping whose '${s.discriminant}' is ${Object.keys(
        s.variants as Record<string, unknown>,
      )
        .map((v) => `'${v}'`)
        .join(', ')}`;
  }
}
