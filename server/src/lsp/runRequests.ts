import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver/node';
import {
  CancelRequest,
  checkCancelParams,
  checkExportParams,
  checkResumeParams,
  checkRunsParams,
  checkSearchParams,
  checkTrainParams,
  ExportRequest,
  ResumeRequest,
  RunsRequest,
  SearchRequest,
  TrainRequest,
  type CancelParams,
  type CancelResult,
  type ExportParams,
  type ResumeParams,
  type RunsParams,
  type RunsResult,
  type SearchParams,
  type TrainParams,
} from '../protocol/lsp';
import type { RunManager } from './runManager';

/**
 * Answers the run manager's requests on the connection. Parameters are checked on arrival:
 * a request of the wrong shape is refused with the reason and starts nothing.
 */
export function registerRunRequests(connection: Connection, manager: RunManager): void {
  const handle = <P, R>(
    method: string,
    check: (x: unknown) => string | undefined,
    answer: (p: P) => R | Promise<R>,
  ) =>
    connection.onRequest(method, async (params: unknown): Promise<R | ResponseError<void>> => {
      const why = check(params);
      if (why) {
        connection.console.warn(`supernet: refused a request: ${why}`);
        return new ResponseError(ErrorCodes.InvalidParams, why);
      }
      return answer(params as P);
    });

  handle(TrainRequest, checkTrainParams, (p: TrainParams) => manager.train(p));
  handle(ResumeRequest, checkResumeParams, (p: ResumeParams) => manager.resume(p));
  handle(SearchRequest, checkSearchParams, (p: SearchParams) => manager.search(p));
  handle(ExportRequest, checkExportParams, (p: ExportParams) => manager.export(p));
  handle(CancelRequest, checkCancelParams, (p: CancelParams): CancelResult => ({
    cancelled: manager.cancel(p.jobId),
  }));
  handle(RunsRequest, checkRunsParams, async (p: RunsParams): Promise<RunsResult> => ({
    runs: await manager.runs(p.runsDir),
  }));
}
