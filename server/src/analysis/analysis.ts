import type { DataFacts } from '../datasets/describe';
import { spaceFacts, type SpaceFacts } from '../space/facts';
import type { Problem } from '../config/problems';
import { resolveConfig, type ResolvedConfig } from '../config/resolve';
import { semanticProblems, type AnalysisOptions } from './rules';
import { deviceFacts, deviceProblems, type DeviceFacts } from './deviceFacts';
import { mentionsPytorch, pytorchProblems, type PytorchStatus } from './pytorchFacts';

/** Everything the features need from one text, computed once per document version. */
export interface Analysis {
  text: string;
  resolved: ResolvedConfig;
  problems: Problem[];
  /** Facts of the search space, when the space and task have no errors. */
  facts?: SpaceFacts;
  /** What the task's data holds, when the options can read it. */
  data?: DataFacts;
  /** The devices with a latency table in the workspace, and the space's range on each that covers it. */
  devices?: DeviceFacts;
  /** Whether the pytorch backend can run here, when the config mentions pytorch and it is known. */
  pytorch?: PytorchStatus;
}

/** A config's text resolved and checked: what the editor shows and what a run starts from. */
export function analyse(text: string, opts: AnalysisOptions): Analysis {
  const resolved = resolveConfig(text);
  const semantic = semanticProblems(resolved, opts);
  const problems = [...resolved.problems, ...semantic.problems];
  const sectionErrors = resolved.errorPaths.some(
    (e) => e.startsWith('space') || e.startsWith('task'),
  );
  const spaceBroken = problems.some(
    (p) =>
      p.severity === 'error' &&
      p.code !== 'yaml-syntax' &&
      (sectionErrors || isInSpaceOrTask(resolved, p)),
  );
  let facts: SpaceFacts | undefined;
  if (!spaceBroken && resolved.readable && Array.isArray(resolved.config.space?.stages)) {
    try {
      facts = spaceFacts(resolved.config);
    } catch {
      facts = undefined;
    }
  }
  const devices = opts.deviceProfiles
    ? deviceFacts(opts.deviceProfiles(opts.configPath), facts ? resolved.config : undefined)
    : undefined;
  const pytorch =
    opts.pytorchStatus && resolved.readable && mentionsPytorch(resolved.config)
      ? opts.pytorchStatus()
      : undefined;
  return {
    text,
    resolved,
    problems: [
      ...problems,
      ...(devices ? deviceProblems(resolved, devices) : []),
      ...(pytorch ? pytorchProblems(resolved, pytorch) : []),
    ],
    facts,
    ...(semantic.data ? { data: semantic.data } : {}),
    ...(devices ? { devices } : {}),
    ...(pytorch ? { pytorch } : {}),
  };
}

/**
 * Whether a problem lies in the `space` or `task` sections (whose errors make facts
 * meaningless): one range check each, whatever the size of the config.
 */
function isInSpaceOrTask(r: ResolvedConfig, p: Problem): boolean {
  return ['space', 'task'].some((section) => {
    const loc = r.locations.get(section);
    return loc !== undefined && loc.value[0] <= p.start && p.end <= loc.value[1];
  });
}
