import { deviceOf } from '#shared/metrics';
import type { DeviceRange } from '../analysis/deviceFacts';
import type { PytorchStatus } from '../analysis/pytorchFacts';
import { formatMs } from './codeLens';
import type { Hover } from 'vscode-languageserver-types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { parseConstraint } from '#shared/constraints';
import { formatBigCount, formatBytes, formatCount } from '#shared/format/numbers';
import { typeName, type Schema } from '#shared/schema/dsl';
import type { SpaceFacts, StageFacts } from '../space/facts';
import type { Analysis } from '../analysis/analysis';
import type { DataFacts } from '../datasets/describe';
import { locate } from './locate';

const range2 = (a: [number, number]) => `${formatCount(a[0])} – ${formatCount(a[1])}`;

export function spaceFactsMarkdown(f: SpaceFacts, batchSize: number): string {
  return [
    `**Search space:** ${formatBigCount(f.subnets)} subnet${f.subnets === 1n ? '' : 's'}`,
    '',
    '| | smallest | largest |',
    '|---|---:|---:|',
    `| MACs | ${formatCount(f.flops[0])} | ${formatCount(f.flops[1])} |`,
    `| Parameters | ${formatCount(f.params[0])} | ${formatCount(f.params[1])} |`,
    '',
    `Supernet weights: ${formatCount(f.supernetParams)} · training step ≈ ${formatBytes(f.trainingMemoryBytes)} (batch ${batchSize}, largest subnet)`,
  ].join('\n');
}

export function stageFactsMarkdown(i: number, s: StageFacts): string {
  return [
    `**Stage ${i + 1}:** ${formatBigCount(s.choices)} settings · output ${s.outputSize[0] === s.outputSize[1] ? s.outputSize[0] : `${s.outputSize[0]}–${s.outputSize[1]}`} px`,
    '',
    `MACs ${range2(s.flops)} · parameters ${range2(s.params)}`,
  ].join('\n');
}

function schemaLine(s: Schema): string {
  const parts = [`*${typeName(s)}*`];
  if (s.kind === 'number') {
    if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
    if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
    if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
    if (s.exclusiveMaximum !== undefined) parts.push(`< ${s.exclusiveMaximum}`);
  }
  if (s.default !== undefined && !(s.kind === 'object'))
    parts.push(`default \`${JSON.stringify(s.default)}\``);
  return parts.join(' · ');
}

export function hover(doc: TextDocument, offset: number, a: Analysis): Hover | null {
  const hit = locate(a.resolved, offset);
  if (!hit) return null;
  const { path, loc } = hit;
  const s = loc.schema;
  const sections: string[] = [];
  const parts = path.split('.');
  const isItem = /^\d+$/.test(parts[parts.length - 1]);
  const title = isItem && !hit.onKey ? `\`${path}\`` : `\`${path}\``;
  sections.push(`**${title}** — ${schemaLine(s)}`);
  sections.push(s.doc);
  const node = loc.node as { value?: unknown } | undefined;
  if (
    !hit.onKey &&
    s.kind === 'enum' &&
    typeof node?.value === 'string' &&
    node.value in s.valueDocs
  ) {
    sections.push(`\`${node.value}\`: ${s.valueDocs[node.value]}`);
  }
  const device = /^search\.objectives\./.test(path)
    ? deviceOf(path.slice('search.objectives.'.length))
    : undefined;
  const onDevice = device ? a.devices?.ranges.find((r) => r.device === device) : undefined;
  if (onDevice) sections.push(deviceRangesMarkdown([onDevice]));
  if (!hit.onKey && path.startsWith('search.constraints.') && typeof node?.value === 'string') {
    const c = parseConstraint(node.value);
    if (typeof c !== 'string' && a.facts && (c.metric === 'flops' || c.metric === 'params')) {
      sections.push(
        `Feasible ${c.metric === 'flops' ? 'MACs' : c.metric}: ${range2(a.facts[c.metric])} (smallest to largest subnet).`,
      );
    }
  }
  const onPytorch =
    (path === 'train.backend' && !hit.onKey && node?.value === 'pytorch') ||
    path === 'train.pytorch' ||
    path === 'train.pytorch.device';
  if (onPytorch && a.pytorch) sections.push(pytorchStatusMarkdown(a.pytorch));
  if ((path === 'task' || path === 'task.path' || path === 'task.dataset') && a.data)
    sections.push(dataFactsMarkdown(a.data));
  const facts = a.facts;
  if (path === 'space' || path === 'space.stages') {
    sections.push(
      facts
        ? spaceFactsMarkdown(facts, a.resolved.config.train.batchSize)
        : '*Facts appear when the space has no errors.*',
    );
    if (facts && a.devices?.ranges.length) sections.push(deviceRangesMarkdown(a.devices.ranges));
  } else {
    const m = /^space\.stages\.(\d+)(\.|$)/.exec(path);
    if (m) {
      const i = Number(m[1]);
      if (facts?.stages[i]) sections.push(stageFactsMarkdown(i, facts.stages[i]));
    }
  }
  const range = hit.onKey && loc.key ? loc.key : loc.value;
  return {
    contents: { kind: 'markdown', value: sections.join('\n\n') },
    range: { start: doc.positionAt(range[0]), end: doc.positionAt(range[1]) },
  };
}

/** The space's latency range on each profiled device, with how well its table predicts. */
function deviceRangesMarkdown(ranges: readonly DeviceRange[]): string {
  const rows = ranges.map((r) => {
    const q = r.quality;
    const quality = q
      ? `${(100 * q.within10).toFixed(0)}% within ±10% of ${q.subnets} subnets timed whole, τ ${q.tau.toFixed(2)}`
      : 'not checked on this space';
    return `| ${escapeMarkdown(r.device)} | ${formatMs(r.ms[0])}–${formatMs(r.ms[1])} ms | ${r.fitted ? quality : 'units profiled in another space; overhead not fitted here'} |`;
  });
  return [
    '**Latency on profiled devices** (predicted from each device’s table, smallest to largest subnet)',
    '',
    '| device | latency | table quality |',
    '|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The Python the pytorch backend would use here: interpreter, torch, CUDA; or why there is none. */
function pytorchStatusMarkdown(status: PytorchStatus): string {
  if (!status.ok) return `**PyTorch is not available here.** ${status.reason}`;
  const f = status.facts;
  const gpus = f.gpuNames?.length ? ` (${f.gpuNames.map(escapeMarkdown).join(', ')})` : '';
  const cuda = f.cuda
    ? `${f.gpus ?? 0} GPU${f.gpus === 1 ? '' : 's'}${gpus}, CUDA ${f.cudaBuild ?? '?'}`
    : f.cudaBuild
      ? `built for CUDA ${f.cudaBuild}, sees no GPU: the CPU computes`
      : 'none (a CPU-only build): the CPU computes';
  const parallel = [f.torchrun && 'torchrun', f.gloo && 'gloo', f.nccl && 'NCCL'].filter(Boolean);
  return [
    `**PyTorch here:** torch ${escapeMarkdown(f.torch ?? '?')} · Python ${escapeMarkdown(f.python)} at ${escapeMarkdown(f.executable)}`,
    `CUDA: ${cuda}`,
    `Data-parallel: ${parallel.length ? parallel.join(', ') : 'not available'}`,
  ].join('  \n');
}

/** Text shown as itself in Markdown: every character Markdown or HTML would read, escaped. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

/** The data as it is on disk: images per split, classes, the size it is stored at. */
function dataFactsMarkdown(d: DataFacts): string {
  const splits = Object.entries(d.splits)
    .filter(([, n]) => n !== undefined)
    .map(([k, n]) => `${n!.toLocaleString('en-US')} ${k}`)
    .join(' · ');
  // Folder and class names come from the user's disk: text, never Markdown or HTML.
  const lines = [`**${d.kind}** in ${escapeMarkdown(d.dir)}`, `Images: ${splits}`];
  if (d.classCount !== undefined) {
    const names = d.classes?.length
      ? `: ${d.classes.slice(0, 12).map(escapeMarkdown).join(', ')}${d.classes.length > 12 ? ', …' : ''}`
      : '';
    lines.push(`Classes: ${d.classCount}${names}`);
  }
  lines.push(
    d.storedSize
      ? `Stored size: ${d.storedSize.join('×')}`
      : 'Stored size: each image is resized to `task.input` (once; then cached)',
  );
  return lines.join('  \n');
}
