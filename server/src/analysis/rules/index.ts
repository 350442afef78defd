import type { DataFacts } from '../../datasets/describe';
import type { Problem } from '../../config/problems';
import type { ResolvedConfig } from '../../config/resolve';
import { sortedChoices } from './choices';
import { constraints } from './constraints';
import { macsName } from './macsName';
import { dataPaths } from './dataPaths';
import { dataContents, dataSettings } from './dataSettings';
import { kernelsAndStrides } from './kernelsAndStrides';
import { trainingMemory } from './memory';
import { pytorchSettings } from './pytorchSettings';
import { resolutions } from './resolutions';
import { RuleContext, type AnalysisOptions, type Rule } from './ruleContext';
import {
  channelSortingMoment,
  depsSettings,
  fewShotSplit,
  populationSize,
  samplerSubnets,
  scheduleSettings,
  shiftnasSettings,
  shrinkingPhases,
} from './trainingSettings';
import { widthsOf8 } from './widths';

/**
 * The checks that need more than one field's schema, in the order they run: the space's
 * shape first, then the checks that need its facts (which stay silent once any error
 * was found), then the training, search and data settings.
 */
export const RULES: readonly Rule[] = [
  sortedChoices,
  kernelsAndStrides,
  widthsOf8,
  resolutions,
  constraints,
  macsName,
  trainingMemory,
  populationSize,
  samplerSubnets,
  shrinkingPhases,
  scheduleSettings,
  channelSortingMoment,
  depsSettings,
  shiftnasSettings,
  fewShotSplit,
  pytorchSettings,
  dataPaths,
  dataSettings,
  dataContents,
];

/** Every rule's findings, and the data's facts when a rule read them. */
export function semanticProblems(
  r: ResolvedConfig,
  opts: AnalysisOptions,
): { problems: Problem[]; data?: DataFacts } {
  const ctx = new RuleContext(r, opts);
  for (const rule of RULES) rule(ctx);
  const data = ctx.data();
  return { problems: ctx.problems, ...(data ? { data } : {}) };
}

export type { AnalysisOptions };
