/** A finding about a config, located by character offsets into its text. */
export interface Problem {
  start: number;
  end: number;
  severity: 'error' | 'warning' | 'info';
  /** Stable identifier of the kind of problem: quick fixes and tests key on it. */
  code: ProblemCode;
  message: string;
  /** What a quick fix needs (a replacement text, a suggested name, …). */
  data?: ProblemData;
}

export type ProblemCode =
  | 'yaml-syntax'
  | 'unknown-key'
  | 'missing-key'
  | 'wrong-type'
  | 'out-of-range'
  | 'unknown-value'
  | 'unsorted-choices'
  | 'duplicate-choices'
  | 'even-kernel'
  | 'bad-stride'
  | 'resolution-too-large'
  | 'resolution-collapses'
  | 'width-not-multiple-of-8'
  | 'infeasible-constraint'
  | 'unknown-device'
  | 'redundant-constraint'
  | 'older-name'
  | 'bad-constraint'
  | 'memory-exceeds-machine'
  | 'population-too-small'
  | 'missing-path'
  | 'path-not-found'
  | 'unused-setting'
  | 'conflicting-settings'
  | 'data-problem'
  | 'data-mismatch'
  | 'uneven-batch-split'
  | 'pytorch-unavailable'
  | 'torch-lacks';

export interface ProblemData {
  /** Replace the problem's range with this text. */
  replacement?: string;
  /** Title of the quick fix that applies `replacement`. */
  fixTitle?: string;
}
