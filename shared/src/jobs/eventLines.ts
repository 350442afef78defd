import { ACCURACY_KIND_WORD, labelledAccuracy } from '../accuracyKinds';
import { formatCount } from '../format/numbers';
import { formatDuration } from '../format/units';
import type { EngineEvent, ExportEvent } from '../protocol/engine';
import { rankingFiguresOf, rankingSummary, rankingWarning, regionSentence } from '../ranking';
import type { CandidateFigures, FinetuneResult } from '../runFolder/records';
import { plural, type JobProgress, type LogLevel } from './jobProgress';

/**
 * What a job says, event by event, in the words the terminal (`supernet …`) and the editor's
 * output channel both use: one narrator, so a run reads the same wherever it was started.
 * Frequent events (steps, candidates, the queue's counts) say nothing here: they move the
 * progress line (jobProgress.ts). A `result` is what the job produced (a subnet of the
 * front, a measured subnet, a file): the terminal prints it on stdout.
 */
export interface NarratedLine {
  level: LogLevel;
  text: string;
  result?: boolean;
}

const info = (text: string): NarratedLine => ({ level: 'info', text });
const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
const ms = (x: number) => `${x < 10 ? x.toFixed(3) : x.toFixed(1)} ms`;

/**
 * The lines of one event; `p` is the job's state with the event already folded in (so a
 * run's end knows its run, a checked subnet its epochs).
 */
export function eventLines(p: JobProgress, e: EngineEvent): NarratedLine[] {
  switch (e.type) {
    case 'log':
      return [{ level: e.level, text: e.message }];
    case 'run-start': {
      const resumed = e.resumedFromStep !== undefined;
      const fell = e.fellBackFrom.length ? ` (skipped ${e.fellBackFrom.join('; ')})` : '';
      const c = e.compute;
      const on = c
        ? `pytorch (torch ${c.torch} on ${c.device === 'cuda' ? c.deviceName : 'cpu'}, ${c.processes} process(es) on ${c.nodes} node(s))`
        : e.backend;
      return [
        info(
          `${resumed ? 'resuming' : 'training'} run ${e.runId} on ${on}${fell}: ` +
            `${e.dataset.name} (${e.dataset.source}, ${e.dataset.train} train / ${e.dataset.validation} validation), ` +
            `${e.totalSteps} steps of ${e.batchSize}${resumed ? `, from step ${e.resumedFromStep}` : ''}`,
        ),
        info(`  run folder: ${e.runDir}`),
      ];
    }
    case 'epoch':
      return [
        info(
          `epoch ${e.epoch}: inherited validation accuracy (BN recalibrated) largest ${pct(e.largest.accuracy)} · smallest ${pct(e.smallest.accuracy)} (${e.seconds.toFixed(1)} s)`,
        ),
      ];
    case 'ranking': {
      // The per-epoch ranking of a run on a benchmark space; charted in the Ranking tab.
      const figures = rankingFiguresOf(e);
      const warning = figures && rankingWarning(figures);
      return [
        {
          level: warning ? 'warning' : 'info',
          text: `epoch ${e.epoch} ranking against ${e.table}${figures ? `: ${rankingSummary(figures)}` : ''}${warning ? `. ${warning}` : ''}`,
        },
      ];
    }
    case 'run-end':
      if (!p.runId) return [{ level: 'error', text: `${e.status}: ${e.message ?? ''}` }];
      return [
        {
          level: e.status === 'failed' ? 'error' : 'info',
          text: `run ${p.runId} ${e.status} at step ${e.step} after ${formatDuration(e.seconds)}${e.message ? `: ${e.message}` : ''}`,
        },
      ];
    case 'search-start':
      return [
        info(
          `searching run ${e.runId} with ${e.algorithm} (seed ${e.seed}): ${e.budget} evaluations; ` +
            `objectives ${e.objectives.map((x) => `${x.name === 'flops' ? 'macs' : x.name} ${x.direction}`).join(', ')}` +
            `${e.latencySources?.length ? `; ${e.latencySources.join('; ')}` : ''}` +
            `${e.constraints.length ? `; constraints ${e.constraints.join(', ')}` : ''}` +
            `${e.cached ? `; ${e.cached} subnets already evaluated` : ''}`,
        ),
      ];
    case 'generation':
      return [
        info(
          `generation ${e.generation}: ${e.evaluations} evaluations, hypervolume ${e.hypervolume.toPrecision(4)}, front ${e.front.length}`,
        ),
      ];
    case 'search-end':
      if (e.status === 'failed') return [{ level: 'error', text: e.message ?? 'failed' }];
      return [
        info(
          `search ${e.status} after ${e.evaluations} evaluations in ${formatDuration(e.seconds)}: ` +
            `hypervolume ${e.hypervolume.toPrecision(5)}, ${plural(e.front.length, 'subnet')} on the front`,
        ),
        ...e.front.map((c) => ({ level: 'info' as const, text: candidateLine(c), result: true })),
        ...(e.paretoFile ? [info(`front written to ${e.paretoFile}`)] : []),
      ];
    case 'profile-end':
      return profileLines(e);
    case 'export':
      return [
        { level: 'info', text: e.file, result: true },
        ...exportSummary(e)
          .split('\n')
          .map((text) => info(text)),
      ];
    case 'rank-start':
    case 'ranked':
    case 'rank-end':
      return rankLines(p, e);
    case 'finetune-start':
    case 'finetune-epoch':
    case 'finetune-end':
      return finetuneLines(p, e);
    case 'executor':
      // Only what the user must act on: the counts change every second.
      return e.message ? [{ level: 'warning', text: e.message }] : [];
    case 'worker':
      return e.state === 'refused' || e.state === 'disconnected'
        ? [{ level: 'warning', text: `worker ${e.worker.id}: ${e.message ?? e.state}` }]
        : [];
    default:
      return [];
  }
}

/** A device table's lines: where it went, and how well it predicts whole subnets. */
function profileLines(e: Extract<EngineEvent, { type: 'profile-end' }>): NarratedLine[] {
  if (e.status !== 'completed')
    return [{ level: e.status === 'failed' ? 'error' : 'info', text: e.message ?? e.status }];
  const q = e.quality;
  return [
    info(
      `${plural(e.units, 'unit')} of the space timed on ${e.device} (${e.where}) in ${formatDuration(e.seconds)}; overhead of a whole model ${ms(e.overheadMs)}`,
    ),
    ...(q && q.subnets
      ? [
          info(
            `quality on ${plural(q.subnets, 'random subnet')} timed whole (${ms(q.measuredMs.min)}–${ms(q.measuredMs.max)}): ` +
              `${(100 * q.within10).toFixed(0)}% within ±10%, RMSE ${ms(q.rmseMs)}, MAPE ${q.mape.toFixed(1)}%, Kendall τ ${q.tau.toFixed(3)}` +
              (q.macsBaseline
                ? `; a line in MACs on the same subnets: ${(100 * q.macsBaseline.within10).toFixed(0)}% within ±10%, MAPE ${q.macsBaseline.mape.toFixed(1)}%, τ ${q.macsBaseline.tau.toFixed(3)}`
                : '') +
              (q.repeatability !== undefined
                ? `; the measurement itself: ${(100 * q.repeatability).toFixed(0)}% of second timings within ±10% of the first`
                : ''),
          ),
        ]
      : []),
    ...(e.file ? [{ level: 'info' as const, text: e.file, result: true }] : []),
  ];
}

/** A ranking check's lines. */
function rankLines(
  p: JobProgress,
  e: Extract<EngineEvent, { type: 'rank-start' | 'ranked' | 'rank-end' }>,
): NarratedLine[] {
  switch (e.type) {
    case 'rank-start':
      return [
        info(
          `ranking check of ${e.runId}: ${plural(e.subnets, 'subnet')} trained alone for ${e.epochs} epoch(s)`,
        ),
      ];
    case 'ranked': {
      const s = e.subnet;
      return [
        {
          level: 'info',
          text:
            `${s.key}  ${formatCount(s.flops)} MACs  ${labelledAccuracy({ kind: 'inherited', accuracy: s.supernetAccuracy })}  ` +
            `${labelledAccuracy({ kind: 'standalone', accuracy: s.standaloneAccuracy, epochs: p.rank?.epochs })}  (${s.standaloneSeconds.toFixed(0)} s)`,
          result: true,
        },
      ];
    }
    case 'rank-end': {
      if (e.status !== 'completed')
        return [
          {
            level: e.status === 'failed' ? 'error' : 'warning',
            text: `ranking check ${e.status}${e.message ? `: ${e.message}` : ''}`,
          },
        ];
      const figures = rankingFiguresOf(e);
      const warning = figures && rankingWarning(figures);
      const where = figures && regionSentence(figures);
      return [
        info(
          `${figures ? rankingSummary(figures) : 'no ranking'}${e.rankFile ? ` (written to ${e.rankFile})` : ''}`,
        ),
        ...(warning ? [{ level: 'warning' as const, text: warning }] : []),
        ...(where ? [info(where)] : []),
      ];
    }
  }
}

/** A fine-tune's lines. */
function finetuneLines(
  p: JobProgress,
  e: Extract<EngineEvent, { type: 'finetune-start' | 'finetune-epoch' | 'finetune-end' }>,
): NarratedLine[] {
  switch (e.type) {
    case 'finetune-start': {
      const resumed = e.resumedFromStep !== undefined;
      return [
        info(
          `${resumed ? 'resuming the fine-tune' : 'fine-tuning'} of ${e.key} (run ${e.runId}) on ${e.backend}: ` +
            `${e.epochs} epoch(s), ${e.totalSteps} steps of ${e.batchSize}, SGD lr ${e.lr} cosine, ` +
            `${e.teacher ? `distilled from ${e.teacher} (frozen)` : 'no distillation'}` +
            `${resumed ? `, from step ${e.resumedFromStep}` : ''}; ` +
            `${labelledAccuracy({ kind: 'inherited', accuracy: e.inherited.accuracy })}`,
        ),
        info(`  folder: ${e.dir}`),
      ];
    }
    case 'finetune-epoch':
      return [
        info(
          `epoch ${e.epoch}: ${labelledAccuracy({ kind: 'finetuned', accuracy: e.accuracy, epochs: e.step / (p.finetune?.stepsPerEpoch ?? 1) })} (${e.seconds.toFixed(1)} s)`,
        ),
      ];
    case 'finetune-end':
      if (e.status === 'completed' && e.result)
        return [
          { level: 'info', text: finetuneLine(e.result), result: true },
          info(
            `fine-tuned in ${formatDuration(e.result.seconds)}${e.result.teacher ? `, teacher ${e.result.teacher}` : ', no teacher'}`,
          ),
        ];
      return [
        {
          level: e.status === 'failed' ? 'error' : 'warning',
          text: `fine-tune of ${e.key} ${e.status}${e.message ? `: ${e.message}` : ''}`,
        },
      ];
  }
}

/** One line of a candidate: its (inherited) accuracy · MACs · params · latency. */
export function candidateLine(c: CandidateFigures): string {
  const parts = [
    labelledAccuracy({ kind: 'inherited', accuracy: c.accuracy }),
    `${formatCount(c.flops)} MACs`,
    `${formatCount(c.params)} params`,
  ];
  if (c.latency !== undefined) parts.push(`${c.latency.toFixed(3)} ms`);
  for (const [device, d] of Object.entries(c.deviceLatency ?? {}))
    parts.push(`${d.ms.toFixed(3)} ms on ${device}${d.source === 'table' ? ' (table)' : ''}`);
  return `${c.key}  ${parts.join(' · ')}`;
}

/** `r20-…  inherited 77.33% → fine-tuned 1 ep 80.12% (+2.79 points)`: a fine-tune's result, every figure named. */
export function finetuneLine(r: FinetuneResult): string {
  const gain = 100 * (r.finetuned.accuracy - r.inherited.accuracy);
  return (
    `${r.key}  ${labelledAccuracy({ kind: 'inherited', accuracy: r.inherited.accuracy })} → ` +
    `${labelledAccuracy({ kind: 'finetuned', accuracy: r.finetuned.accuracy, epochs: r.epochs })} ` +
    `(${gain >= 0 ? '+' : ''}${gain.toFixed(2)} points)`
  );
}

/** What an export wrote and measured, in words: its accuracy named by kind, int8's figures beside float32's. */
export function exportSummary(d: ExportEvent): string {
  const recorded = d.recordedAccuracy !== undefined ? ` (recorded ${pct(d.recordedAccuracy)})` : '';
  const kind = ACCURACY_KIND_WORD[d.accuracyKind ?? 'inherited'];
  const q = d.int8;
  if (!q)
    return (
      `exported ${d.key} as float32 (${d.bytes} bytes), verified in onnxruntime-node on the validation images: ` +
      `${kind} accuracy ${pct(d.onnxAccuracy)}${recorded}, max |Δlogit| ${d.maxAbsDiff.toExponential(2)}, ` +
      `latency ${ms(d.latencyMs)} (batch 1, 1 thread); sidecar ${d.sidecarFile}`
    );
  const { float32: f, int8: i } = q.latency;
  return [
    `exported ${d.key} as int8 (static, QDQ): ${d.bytes} bytes, float32's ${q.floatBytes} (×${(d.bytes / q.floatBytes).toFixed(2)})`,
    `  activation ranges: ${q.calibration} on ${q.calibrationImages} training images`,
    `  validation accuracy (${kind} weights): int8 ${pct(q.int8Accuracy)}, float32 ${pct(q.floatAccuracy)}${recorded}: ` +
      `drop ${q.accuracyDropPoints.toFixed(2)} points; same class on ${pct(q.agreement)} of the images`,
    `  max |Δlogit| int8 vs float32 ${q.maxAbsDiff.toExponential(2)} (float32 vs supernet ${d.maxAbsDiff.toExponential(2)})`,
    `  latency, 1 thread: batch 1 int8 ${ms(i.batch1Ms)} vs float32 ${ms(f.batch1Ms)} (×${(i.batch1Ms / f.batch1Ms).toFixed(2)}), ` +
      `batch 32 int8 ${ms(i.batch32Ms)} vs float32 ${ms(f.batch32Ms)} (×${(i.batch32Ms / f.batch32Ms).toFixed(2)})`,
    `  onnxruntime kernels: ${Object.entries(q.kernels)
      .map(([op, n]) => `${op}×${n}`)
      .join(', ')}`,
    `  sidecar ${d.sidecarFile}`,
  ].join('\n');
}
