/**
 * An axis range that fits the data: [min, max] when they differ, and [0, 1] without data.
 * A single value gets a window around it: `unit` wide where the axis counts whole things
 * (one generation shows as itself, not as 0–100), else ±5% of the value (±0.5 around 0),
 * so a hypervolume of 0.33 is drawn between 0.31 and 0.35, not from 0. `pad` widens a
 * real range by that share on each side.
 */
export function fitToData(
  min: number | null,
  max: number | null,
  pad = 0,
  unit?: number,
): [number, number] {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) {
    const half = unit !== undefined ? unit / 2 : min === 0 ? 0.5 : Math.abs(min) * 0.05;
    return [min - half, max + half];
  }
  const d = (max - min) * pad;
  return [min - d, max + d];
}
