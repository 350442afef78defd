import {
  ErrorCodes,
  ResponseError,
  type Connection,
  type RequestType,
} from 'vscode-languageserver/node';
import {
  CancelRequest,
  checkCancelParams,
  checkExportParams,
  checkFinetuneParams,
  checkRankParams,
  checkResumeParams,
  checkRunsParams,
  checkSearchParams,
  checkTrainParams,
  ExportRequest,
  FinetuneRequest,
  RankRequest,
  ResumeRequest,
  RunsRequest,
  SearchRequest,
  TrainRequest,
} from '#shared/protocol/lsp';
import type { RunManager } from './runManager';

/**
 * Answers the run manager's requests on the connection. Parameters are checked on arrival:
 * a request of the wrong shape is refused with the reason and starts nothing.
 */
export function registerRunRequests(connection: Connection, manager: RunManager): void {
  const handle = <P, R>(
    type: RequestType<P, R, void>,
    check: (x: unknown) => string | undefined,
    answer: (p: P) => R | Promise<R>,
  ) =>
    connection.onRequest(type.method, async (params: unknown): Promise<R | ResponseError<void>> => {
      const why = check(params);
      if (why) {
        connection.console.warn(`supernet: refused a request: ${why}`);
        return new ResponseError(ErrorCodes.InvalidParams, why);
      }
      return answer(params as P);
    });

  handle(TrainRequest, checkTrainParams, (p) => manager.train(p));
  handle(ResumeRequest, checkResumeParams, (p) => manager.resume(p));
  handle(SearchRequest, checkSearchParams, (p) => manager.search(p));
  handle(ExportRequest, checkExportParams, (p) => manager.export(p));
  handle(RankRequest, checkRankParams, (p) => manager.rank(p));
  handle(FinetuneRequest, checkFinetuneParams, (p) => manager.finetune(p));
  handle(CancelRequest, checkCancelParams, (p) => ({ cancelled: manager.cancel(p.jobId) }));
  handle(RunsRequest, checkRunsParams, async (p) => ({ runs: await manager.runs(p.runsDir) }));
}
