// The Ranking tab in a real VS Code, on a run the runner trained with the CLI on the ranking
// benchmark's space (../rankingRun.ts): τ per epoch with its interval, the FLOPs baseline,
// the scatter with one dot per subnet of the table, and the plain-words warning (in the
// tab, above the Pareto chart and on the run's line in the tree) when τ is not clearly
// above the FLOPs τ. What to expect is read from the run folder with the same pure modules.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type * as VSCode from 'vscode';
import type { SupernetExtensionApi } from '../../../client/src/extension';
import { latestRankingOfRunTexts, rankingOfRunTexts } from '#shared/charts/runRanking';
import { RunPaths } from '#shared/runFolder/layout';
import {
  BASELINE_WORDS,
  rankingSummary,
  rankingWarning,
  rankingWarningShort,
  regionSentence,
  type RankingFigures,
} from '#shared/ranking';
import { RANKING_ERROR_ENV, RANKING_RUN_ENV } from '../rankingRun';
import { requestScreenshot } from '../screenshotRequests';
import { waitFor } from '../wait';
import { Skip, type Test } from './runner';

const EXTENSION_ID = 'supernet-studio.supernet-studio';
const UI_TIMEOUT_MS = 30_000;
const inWebview = (selector: string) => `frame:${selector}`;
const f2 = (v: number) => v.toFixed(2);

/** The words of the warning that name the baseline it is against. */
const warningWords = (f: RankingFigures): string =>
  f.bestBaseline
    ? `than ${BASELINE_WORDS[f.bestBaseline.name] ?? f.bestBaseline.name} do`
    : 'MACs do';

/** The region sentence's opening words, up to its first figures. */
const regionWords = (f: RankingFigures): string => (regionSentence(f) ?? '').split(' (')[0];

/** The prepared run and what its folder says the tab must show. */
async function expectedRanking() {
  const runDir = process.env[RANKING_RUN_ENV];
  if (!runDir) {
    const error = process.env[RANKING_ERROR_ENV];
    if (error) throw new Error(`the runner could not train the ranking run: ${error}`);
    throw new Skip(`no ranking run prepared (${RANKING_RUN_ENV} unset)`);
  }
  const run = new RunPaths(runDir);
  const [events, rank] = await Promise.all([
    readFile(run.eventsFile, 'utf8'),
    readFile(run.rankFile, 'utf8').catch(() => undefined),
  ]);
  const latest = latestRankingOfRunTexts(events, rank);
  if (latest?.source !== 'epoch') throw new Error(`${run.eventsFile} holds no ranking event`);
  const epochs = rankingOfRunTexts(events, rank).series.epoch.length;
  return { runId: path.basename(runDir), latest, epochs, warning: rankingWarning(latest.figures) };
}

export function rankingTests(vscode: typeof VSCode): Test[] {
  return [
    {
      name: 'the Ranking tab charts τ with its CI, the MACs baseline and every subnet (test-results/e2e/dashboard-ranking.png)',
      fn: async () => {
        const { runId, latest, epochs, warning } = await expectedRanking();
        const f = latest.figures;
        if (!f.regions) throw new Error('the ranking of the 32-subnet table has no MACs ranges');
        const interval = f.kendallTauInterval;
        if (!interval || f.flopsKendallTau === undefined)
          throw new Error(`the ranking event lacks its interval or baseline: ${JSON.stringify(f)}`);
        await vscode.commands.executeCommand('workbench.action.closePanel');
        await vscode.commands.executeCommand('supernet.openDashboard', runId, { tab: 'ranking' });
        const panel =
          `[data-panel="ranking"][data-source="epoch"][data-epochs="${epochs}"]` +
          `[data-scatter-points="${latest.points.length}"][data-warning="${!!warning}"]`;
        const summary = `${panel} .ranking-summary`;
        const shot = await requestScreenshot(
          'dashboard-ranking',
          {
            waitFor: [
              inWebview(`${panel} .ranking-tau .uplot canvas`),
              inWebview(`${panel} .ranking-scatter .uplot canvas`),
              inWebview(`${summary}:has-text("${rankingSummary(f)}")`),
              inWebview(`${summary}:has-text("Kendall τ-b ${f2(f.kendallTau)}")`),
              inWebview(`${summary}:has-text("95% CI ${f2(interval[0])}…${f2(interval[1])}")`),
              inWebview(`${summary}:has-text("by MACs ${f2(f.flopsKendallTau)}")`),
              inWebview(`${panel} .ranking-tau .u-legend:has-text("95% CI low")`),
              inWebview(`${panel} .ranking-tau .u-legend:has-text("τ by MACs (baseline)")`),
              inWebview(`${panel} .flops-legend:has-text("${latest.points.length} subnets")`),
              ...(warning
                ? [inWebview(`${panel} .ranking-warning:has-text("${warningWords(f)}")`)]
                : []),
              // Every cheap baseline, quality at the top, the ceiling of the seeds' mean and
              // the maturity signal (#25).
              inWebview(`${panel} .ranking-details:has-text("cheap baselines: macs τ")`),
              inWebview(`${panel} .ranking-details:has-text("naswot τ")`),
              inWebview(`${panel} .ranking-details:has-text("of the true front's hypervolume")`),
              inWebview(`${summary}:has-text("noise ceiling ${f2(f.noiseCeiling ?? NaN)}")`),
              inWebview(`${panel} .ranking-maturity:has-text("probe subnets")`),
              // Where along MACs to trust the order, in one sentence (#25, item 7).
              ...(f.regions
                ? [inWebview(`${panel} .ranking-regions:has-text("${regionWords(f)}")`)]
                : []),
            ],
          },
          UI_TIMEOUT_MS + 10_000,
        );
        if (!shot) throw new Skip('no screenshot runner (SUPERNET_E2E_SCREENSHOT_REQUESTS unset)');
      },
    },
    {
      name: 'a ranking subnet is revealed in the Runs tree; a run not above MACs says so there and in the Pareto tab',
      fn: async () => {
        const { runId, latest, warning } = await expectedRanking();
        const api = await vscode.extensions
          .getExtension<SupernetExtensionApi>(EXTENSION_ID)
          ?.activate();
        if (!api) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
        await vscode.commands.executeCommand('workbench.view.extension.supernet');
        await vscode.commands.executeCommand('supernet.refreshRuns');
        // What a click on a dot of the scatter does (the webview posts `reveal`).
        const key = latest.points[0].key;
        await waitFor(
          `the tree to reveal ${key} under the run's Ranking`,
          () => api.reveal(runId, key).then((ok) => (ok ? true : undefined)),
          UI_TIMEOUT_MS,
        );
        const short = rankingWarningShort(latest.figures);
        await requestScreenshot(
          'tree-ranking',
          {
            waitFor: [
              `.sidebar .monaco-list-row:has-text("${runId}")`,
              `.sidebar .monaco-list-row:has-text("Ranking")`,
              `.sidebar .monaco-list-row.selected:has-text("alone")`,
              ...(short
                ? [`.sidebar .monaco-list-row:has-text("${runId}"):has-text("${short}")`]
                : []),
            ],
          },
          UI_TIMEOUT_MS + 10_000,
        );
        if (!warning) return;
        await vscode.commands.executeCommand('supernet.openDashboard', runId, { tab: 'pareto' });
        await requestScreenshot(
          'dashboard-pareto-ranking-warning',
          {
            waitFor: [
              inWebview(
                `[data-panel="pareto"] .ranking-warning:has-text("${warningWords(latest.figures)}")`,
              ),
            ],
          },
          UI_TIMEOUT_MS + 10_000,
        );
      },
    },
  ];
}
