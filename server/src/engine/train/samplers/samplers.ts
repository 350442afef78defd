import type { SupernetConfig, TrainConfig } from '../../../config/configSchema';
import type { Rng } from '#shared/rng';
import { ComplexityAwareSampler } from './complexityAwareSampler';
import { DelayedShrinking } from './delayedShrinking';
import { ImportanceSampler } from './importanceSampler';
import { PadaSampler } from './padaSampler';
import { ProgressiveShrinking } from './progressiveShrinking';
import { SharedResolution } from './sharedResolution';
import { samplerSpace, type SamplerSpace } from './samplerSpace';
import type { Sampler } from './samplerTypes';
import { SandwichSampler } from './sandwichSampler';
import { ShiftNasSampler } from './shiftNasSampler';
import { UniformSampler } from './uniformSampler';

/**
 * The sampler `config.train.sampler` describes, drawing from `rng` (whose state the
 * trainer checkpoints next to `sampler.state()`), wrapped in delayed shrinking (or DεpS's
 * full-model phase, the same wrapper: the rest of DεpS is the trainer's gradient scale).
 */
export function createSampler(config: SupernetConfig, rng: Rng): Sampler {
  const s = samplerSpace(config);
  const own = samplerOf(s, rng);
  // The step's resolution comes from the same generator, whose state the trainer keeps.
  const drawn = sharesResolution(s.train) ? new SharedResolution(own, s, rng) : own;
  const phases = config.train.progressiveShrinking;
  const inner = phases ? new ProgressiveShrinking(drawn, s, phases) : drawn;
  const until = config.train.deps?.start ?? config.train.delayedShrinking;
  return until > 0 ? new DelayedShrinking(inner, s, until) : inner;
}

/**
 * Whether every subnet of a step takes the step's one resolution (SharedResolution). PA&DA
 * trains one path a step, whose resolution is its own sampled decision; ShiftNAS draws a
 * subnet of a complexity, which its resolution is part of.
 */
export const sharesResolution = (train: TrainConfig): boolean =>
  train.sampler.resolution === 'per-step' &&
  train.sampler.type !== 'pada' &&
  train.sampler.type !== 'shiftnas';

function samplerOf(s: SamplerSpace, rng: Rng): Sampler {
  const type = s.train.sampler.type;
  switch (type) {
    case 'uniform':
      return new UniformSampler(s, rng);
    case 'sandwich':
      return new SandwichSampler(s, rng);
    case 'complexity-aware':
      return new ComplexityAwareSampler(s, rng);
    case 'importance':
      return new ImportanceSampler(s, rng);
    case 'pada':
      return new PadaSampler(s, rng);
    case 'shiftnas':
      return new ShiftNasSampler(s, rng);
    default:
      throw new Error(`Unknown sampler type '${type}'`);
  }
}
