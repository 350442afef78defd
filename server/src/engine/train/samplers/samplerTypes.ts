import type { Arch } from '#shared/arch';
import type { SubnetRole } from '#shared/protocol/engine';

/** Why a subnet is trained this step: the teacher, the sandwich's floor, or a sampled one. */
export type Role = SubnetRole;

export interface SampledSubnet {
  role: Role;
  arch: Arch;
  /** Analytic FLOPs (MACs) of the subnet, from space/facts. */
  flops: number;
  /**
   * The factor its gradient enters the step's sum with (DεpS scales the subnets' learning
   * rate this way; the trainer sets it, samplers leave it out): absent, 1.
   */
  gradScale?: number;
}

/** Gradient norms of one trained subnet, measured on its own gradient before they are summed. */
export interface PathFeedback {
  arch: Arch;
  /** ‖∇‖₂ of all weights the subnet used. */
  totalGradNorm: number;
  /** ‖∇‖₂ of the weights of each stage (its active blocks), by stage. */
  stageGradNorms: number[];
  /** ‖∇‖₂ of the weights of each active block, [stage][block]. */
  blockGradNorms: number[][];
  /**
   * The same places measured as PA&DA's code measures an operation: the sum over its
   * weight tensors of each tensor's ‖∇‖₂ (not the norm of them all together).
   */
  tensorNormSums: {
    total: number;
    stages: number[];
    blocks: number[][];
  };
}

/**
 * Chooses the subnets of each training step. Pure: its only randomness is the Rng it
 * was given, and its state round-trips through JSON for checkpoints.
 */
export interface Sampler {
  /**
   * The subnets to train at this point of training (`progress` in [0, 1]).
   * When distillation is on, the largest subnet comes first: it is the teacher.
   */
  sample(progress: number): SampledSubnet[];
  /** Learns from the gradient norms of the subnets it proposed (importance sampling). */
  observe(feedback: PathFeedback[], progress: number): void;
  /** A pass over the training data has ended (PA&DA updates its distribution here). */
  epochEnd(): void;
  /** Sampling probabilities per decision, for the dashboard; empty for samplers without any. */
  probabilities(): Record<string, number[]>;
  state(): unknown;
  restore(state: unknown): void;
}
