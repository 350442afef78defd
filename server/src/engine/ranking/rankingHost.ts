import type { EngineEvent } from '#shared/protocol/engine';
import type { SupernetConfig } from '../../config/configSchema';
import type { TrainingData } from '../data/batches';
import type { SharedWeights } from '../model/sharedWeights';

/**
 * What a per-epoch ranking needs of the training that runs it (run/trainingSession.ts is
 * one): the ranking is a layer below the jobs, so it sees this much and no more.
 */
export interface RankingHost {
  readonly config: SupernetConfig;
  readonly weights: SharedWeights;
  readonly data: TrainingData;
  /** The step the training is at. */
  readonly step: number;
  now(): number;
  emit(e: EngineEvent): void;
  info(message: string, level?: 'info' | 'warning'): void;
}
