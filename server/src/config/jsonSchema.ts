import { configSchema } from './configSchema';
import { canOmit, type Fields, type MapSchema, type Schema } from '#shared/schema/dsl';

type Json = Record<string, unknown>;

/** JSON Schema (draft-07) of one schema node, with its docs as descriptions. */
export function toJsonSchema(s: Schema): Json {
  const base: Json = { description: s.doc, markdownDescription: s.doc };
  const d = (s as { default?: unknown }).default;
  if (d !== undefined) base.default = d;
  switch (s.kind) {
    case 'number':
      return {
        ...base,
        type: s.integer ? 'integer' : 'number',
        ...(s.minimum !== undefined ? { minimum: s.minimum } : {}),
        ...(s.maximum !== undefined ? { maximum: s.maximum } : {}),
        ...(s.exclusiveMinimum !== undefined ? { exclusiveMinimum: s.exclusiveMinimum } : {}),
        ...(s.exclusiveMaximum !== undefined ? { exclusiveMaximum: s.exclusiveMaximum } : {}),
      };
    case 'string':
      return {
        ...base,
        type: 'string',
        ...(s.minLength ? { minLength: s.minLength } : {}),
        ...(s.maxLength ? { maxLength: s.maxLength } : {}),
      };
    case 'boolean':
      return { ...base, type: 'boolean' };
    case 'enum':
      return {
        ...base,
        type: 'string',
        enum: [...s.values],
        markdownEnumDescriptions: s.values.map((v) => s.valueDocs[v]),
      };
    case 'array':
      return {
        ...base,
        type: 'array',
        items: toJsonSchema(s.items as Schema),
        ...(s.minItems !== undefined ? { minItems: s.minItems } : {}),
        ...(s.maxItems !== undefined ? { maxItems: s.maxItems } : {}),
        ...(s.choices ? { uniqueItems: true } : {}),
      };
    case 'object': {
      const fields = s.fields as Fields;
      const required = Object.entries(fields)
        .filter(([, f]) => !canOmit(f))
        .map(([k]) => k);
      return {
        ...base,
        type: 'object',
        additionalProperties: false,
        properties: Object.fromEntries(
          Object.entries(fields).map(([k, f]) => [k, toJsonSchema(f)]),
        ),
        ...(required.length ? { required } : {}),
      };
    }
    case 'literal':
      return { ...base, const: s.value };
    case 'opaque':
      return { ...base, type: 'object' };
    case 'record':
      return { ...base, type: 'object', additionalProperties: toJsonSchema(s.value as Schema) };
    case 'tuple':
      return {
        ...base,
        type: 'array',
        items: (s.items as readonly Schema[]).map(toJsonSchema),
        minItems: (s.items as readonly Schema[]).length,
        maxItems: (s.items as readonly Schema[]).length,
      };
    case 'union':
      return {
        ...base,
        oneOf: Object.values(s.variants as Record<string, Schema>).map(toJsonSchema),
      };
    case 'map':
      return mapSchema(s, base);
  }
}

/** A map: its fixed keys, and the keys its pattern accepts (`latency@NAME`). */
function mapSchema(s: MapSchema, base: Record<string, unknown>): Record<string, unknown> {
  return {
    ...base,
    type: 'object',
    additionalProperties: false,
    ...(s.minProperties ? { minProperties: s.minProperties } : {}),
    ...(s.keyPattern
      ? {
          patternProperties: {
            [s.keyPattern.pattern.source]: {
              ...toJsonSchema(s.value as Schema),
              description: s.keyPattern.doc,
            },
          },
        }
      : {}),
    properties: Object.fromEntries(
      s.keys.map((k) => [
        k,
        {
          ...toJsonSchema(s.value as Schema),
          description: s.keyDocs[k],
          markdownDescription: s.keyDocs[k],
        },
      ]),
    ),
  };
}

/** The shipped `schemas/supernet.schema.json`, exactly as written to disk. */
export function buildJsonSchemaText(): string {
  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Supernet Studio config (*.supernet.yaml)',
    ...toJsonSchema(configSchema),
  };
  return JSON.stringify(schema, null, 2) + '\n';
}
