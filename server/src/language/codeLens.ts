import type { CodeLens } from 'vscode-languageserver-types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { formatBigCount, formatCount } from '#shared/format/numbers';
import type { Analysis } from '../analysis/analysis';

/** Command ids the client registers; the lenses name them. */
export const Commands = {
  train: 'supernet.train',
  search: 'supernet.search',
  showFacts: 'supernet.showFacts',
} as const;

/** Milliseconds with three significant digits. */
export const formatMs = (ms: number): string => (ms < 10 ? ms.toPrecision(3) : ms.toFixed(1));

/**
 * On the first line: `N subnets · MACs a–b` (and the latency range on each profiled
 * device, `pi5 0.12–0.38 ms`), then Train and Search for this file.
 */
export function codeLenses(d: TextDocument, a: Analysis): CodeLens[] {
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const errors = a.problems.filter((p) => p.severity === 'error').length;
  const summary = a.facts
    ? `${formatBigCount(a.facts.subnets)} subnet${a.facts.subnets === 1n ? '' : 's'} · MACs ${formatCount(a.facts.flops[0])}–${formatCount(a.facts.flops[1])}`
    : `${errors} error${errors === 1 ? '' : 's'}: fix them to see the search space`;
  const onDevices = a.facts
    ? (a.devices?.ranges ?? []).map(
        (r) => ` · ${r.device} ${formatMs(r.ms[0])}–${formatMs(r.ms[1])} ms`,
      )
    : [];
  return [
    {
      range,
      command: {
        title: summary + onDevices.join(''),
        command: Commands.showFacts,
        arguments: [d.uri],
      },
    },
    { range, command: { title: '$(play) Train', command: Commands.train, arguments: [d.uri] } },
    { range, command: { title: '$(search) Search', command: Commands.search, arguments: [d.uri] } },
  ];
}
