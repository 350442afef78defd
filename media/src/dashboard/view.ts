import type { WebviewMessage } from '#shared/dashboard/webview';
import type { Theme } from './theme';

/** What every view of the dashboard reads and may change. */
export interface ViewContext {
  theme: Theme;
  /** Smoothing weight of the loss and variance curves, 0 (raw) to 0.99. */
  smoothing: number;
  /** The subnet marked in the Pareto chart. */
  highlightKey: string | undefined;
  post(message: WebviewMessage): void;
}

/** A tab of the dashboard: its element, redrawn on data, smoothing or theme changes. */
export interface View {
  readonly element: HTMLElement;
  update(): void;
  setTheme(theme: Theme): void;
}

/** Points a curve keeps after thinning: about two per pixel of a wide chart. */
export const MAX_POINTS = 4000;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A `<select>` whose options are `[value, label]` pairs. */
export function select(
  options: readonly (readonly [string, string])[],
  value: string,
  onChange: (value: string) => void,
): HTMLSelectElement {
  const s = el('select');
  for (const [v, label] of options) {
    const o = el('option', undefined, label);
    o.value = v;
    s.appendChild(o);
  }
  s.value = value;
  s.addEventListener('change', () => onChange(s.value));
  return s;
}

/** A curve with no value at all is left out of the chart and its legend. */
export const hasValues = (c: readonly (number | null)[]): boolean =>
  c.some((v) => v !== null && Number.isFinite(v));

/** Log scales cannot show 0 or negative values: those become gaps. */
export const positiveOrNull = (c: readonly (number | null)[]): (number | null)[] =>
  c.map((v) => (v !== null && v > 0 ? v : null));
