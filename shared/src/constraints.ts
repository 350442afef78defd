import { baseMetric, deviceOf, metricOfName, type MetricName } from './metrics';

export type ConstraintOp = '<=' | '<' | '>=' | '>';

/** A parsed `search.constraints` entry. Values are in canonical units: MACs, parameters, milliseconds, fraction. */
export interface Constraint {
  /** `latency@NAME` bounds a device's latency, `latency` this machine's. */
  metric: MetricName;
  op: ConstraintOp;
  value: number;
}

const SCALE: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9 };
const TIME: Record<string, number> = { '': 1, ms: 1, us: 1e-3, µs: 1e-3, s: 1e3 };
const PATTERN =
  /^\s*([A-Za-z_]+(?:@[^\s<>=]*)?)\s*(<=|>=|<|>|=<|=>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-zµ%]*)\s*$/;

/**
 * Parse `macs <= 2M` (or `flops <= 2M`), `latency < 1.5ms`, `latency@pi5 <= 8ms`,
 * `accuracy >= 80%`; a string result is the error.
 */
export function parseConstraint(text: string): Constraint | string {
  const m = PATTERN.exec(text);
  if (!m)
    return `Cannot read constraint '${text}': write it as \`metric op value\`, e.g. \`macs <= 2M\`.`;
  const [word, device] = m[1].split('@', 2);
  if (device !== undefined && (word.toLowerCase() !== 'latency' || !deviceOf(`latency@${device}`)))
    return word.toLowerCase() !== 'latency'
      ? `Only latency is measured on a device: write latency@${device || 'DEVICE'}, not ${m[1]}.`
      : `'${device}' is not a device name: letters, digits, '.', '_' and '-', starting with a letter or digit.`;
  const metric = metricOfName(device === undefined ? word.toLowerCase() : `latency@${device}`);
  if (!metric) {
    return `Unknown metric '${m[1]}' in constraint: expected accuracy, macs, params, latency or latency@DEVICE.`;
  }
  const said = m[1];
  const op = (m[2] === '=<' ? '<=' : m[2] === '=>' ? '>=' : m[2]) as ConstraintOp;
  const num = Number(m[3]);
  const unit = m[4];
  let value: number;
  switch (baseMetric(metric)) {
    case 'flops':
    case 'params': {
      const u = unit.replace(/(FLOPs|FLOPS|MACs|MACS|flops|macs|params)$/, '');
      if (!(u in SCALE)) return `Unknown unit '${unit}' for ${said}: use k, M or G (e.g. 2.5M).`;
      value = num * SCALE[u];
      break;
    }
    case 'latency':
      if (!(unit in TIME)) return `Unknown unit '${unit}' for ${said}: use ms, us or s.`;
      value = num * TIME[unit];
      break;
    default:
      if (unit === '%') value = num / 100;
      else if (unit === '') value = num;
      else
        return `Unknown unit '${unit}' for accuracy: write a fraction (0.8) or a percentage (80%).`;
      if (value < 0 || value > 1)
        return `Accuracy is a fraction from 0 to 1 (or 0–100%); got ${text.trim()}.`;
  }
  if (value < 0) return `A ${said} bound cannot be negative.`;
  return { metric, op, value };
}

export const meets = (c: Constraint, v: number): boolean =>
  c.op === '<='
    ? v <= c.value
    : c.op === '<'
      ? v < c.value
      : c.op === '>='
        ? v >= c.value
        : v > c.value;

export const isUpperBound = (c: Constraint): boolean => c.op === '<=' || c.op === '<';
