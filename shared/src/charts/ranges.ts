/**
 * An axis range that fits the data: [min, max] when they differ, a unit-wide window
 * around a single value (so one generation does not stretch the axis to 0–100), and
 * [0, 1] without data. `pad` widens a real range by that share on each side.
 */
export function fitToData(min: number | null, max: number | null, pad = 0): [number, number] {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) {
    const half = min === 0 ? 0.5 : Math.max(0.5, Math.abs(min) * 0.05);
    return [min - half, max + half];
  }
  const d = (max - min) * pad;
  return [min - d, max + d];
}
