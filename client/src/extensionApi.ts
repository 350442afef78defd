import type { RunSummary } from '#shared/runFolder/runSummary';
import type { Ctx } from './ctx';
import type { JobProgress } from '#shared/jobs/jobProgress';
import type { RunNode } from './tree/runTreeProvider';
import type { RunSubnets } from './tree/runFiles';

/**
 * What `activate` returns (`vscode.extensions.getExtension(...).exports`): read-only views
 * of the runs and jobs, for tests and for other extensions that build on runs.
 */
export interface SupernetExtensionApi {
  runs(): Promise<RunSummary[]>;
  subnets(runId: string): Promise<RunSubnets | undefined>;
  jobs(): JobProgress[];
  whenDone(jobId: string): Promise<JobProgress>;
  /** Shows a subnet's node in the Runs tree (as a click on its Pareto point does). */
  reveal(runId: string, key: string): Promise<boolean>;
  /** A subnet's node in the Runs tree: what its context menu's commands receive. */
  subnetNode(runId: string, key: string): Promise<RunNode | undefined>;
}

export function extensionApi(ctx: Ctx): SupernetExtensionApi {
  const { tree, view } = ctx.runs;
  return {
    runs: () => {
      // A fresh read: the tree's list may be up to one refresh interval old.
      tree.refresh();
      return tree.allRuns();
    },
    async subnets(runId) {
      const run = (await tree.allRuns()).find((r) => r.id === runId);
      return run ? tree.runSubnets(run) : undefined;
    },
    jobs: () => ctx.monitor.all(),
    whenDone: (jobId) => ctx.monitor.whenDone(jobId),
    async reveal(runId, key) {
      const node = await tree.findSubnet(runId, key);
      if (!node) return false;
      await view.reveal(node, { select: true, focus: true, expand: true });
      return true;
    },
    subnetNode: (runId, key) => tree.findSubnet(runId, key),
  };
}
