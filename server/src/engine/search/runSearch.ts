import type { SearchConfig } from '../../config/configSchema';
import { nsga2 } from './nsga2';
import { randomSearch } from './randomSearch';
import type { Problem, SearchOptions, SearchResult } from './types';

/** The algorithm `search.algorithm` names, over any problem. */
export function runSearch<G>(
  algorithm: SearchConfig['algorithm'],
  problem: Problem<G>,
  options: SearchOptions<G>,
): Promise<SearchResult<G>> {
  return algorithm === 'random' ? randomSearch(problem, options) : nsga2(problem, options);
}
