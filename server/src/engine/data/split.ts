import { Rng } from '#shared/rng';

export interface TrainValidationSplit {
  /** Indices of the images trained on, ascending. */
  train: Int32Array;
  /** Indices of the held-out images, ascending. */
  validation: Int32Array;
}

/**
 * Holds out round(n × fraction) of n images for validation, chosen by a shuffle seeded with
 * `seed`: the same seed gives the same images, so a resumed or repeated run validates on the
 * same set. Both index lists are sorted, since their order carries nothing: the trainer
 * shuffles each epoch with its own stream, and sorted reads are cache-friendly.
 */
export function splitTrainValidation(
  n: number,
  fraction: number,
  seed: number,
): TrainValidationSplit {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`image count must be a whole number ≥ 0, got ${n}`);
  if (!(fraction >= 0 && fraction < 1)) {
    throw new RangeError(`validation fraction must be in [0, 1), got ${fraction}`);
  }
  const held = Math.round(n * fraction);
  if (n > 0 && held === n) {
    throw new RangeError(`holding out ${fraction} of ${n} images leaves none to train on`);
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  new Rng(seed).shuffle(order);
  return {
    train: order.slice(held).sort(),
    validation: order.slice(0, held).sort(),
  };
}
