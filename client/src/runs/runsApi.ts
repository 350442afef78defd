import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  CancelRequest,
  EventNotification,
  ExportRequest,
  ResumeRequest,
  RunsRequest,
  SearchRequest,
  TrainRequest,
  type CancelParams,
  type EventParams,
  type ExportParams,
  type JobStarted,
  type ResumeParams,
  type RunsResult,
  type SearchParams,
  type TrainParams,
} from '../../../server/src/protocol/lsp';
import { checkEventParams } from './jobProgress';

/**
 * The run manager's requests, typed, over the language client. The server owns the
 * engine processes; the client only asks and listens.
 */
export class RunsApi {
  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  private async send<R>(method: string, params: unknown, token?: vscode.CancellationToken) {
    const c = this.client();
    if (!c || !c.isRunning())
      throw new Error('the Supernet language server is not running (see its output channel)');
    return token ? c.sendRequest<R>(method, params, token) : c.sendRequest<R>(method, params);
  }

  train = (p: TrainParams): Promise<JobStarted> => this.send(TrainRequest, p);
  resume = (p: ResumeParams): Promise<JobStarted> => this.send(ResumeRequest, p);
  search = (p: SearchParams): Promise<JobStarted> => this.send(SearchRequest, p);
  export = (p: ExportParams): Promise<JobStarted> => this.send(ExportRequest, p);
  cancel = (p: CancelParams): Promise<unknown> => this.send(CancelRequest, p);
  runs = (runsDir: string, token?: vscode.CancellationToken): Promise<RunsResult> =>
    this.send(RunsRequest, { runsDir }, token);

  /** `supernet/event`, checked on arrival: a malformed one is logged and dropped. */
  onEvent(client: LanguageClient, handler: (n: EventParams) => void): vscode.Disposable {
    return client.onNotification(EventNotification, (x: unknown) => {
      const why = checkEventParams(x);
      if (why) this.log.warn(`ignored a ${EventNotification} notification: ${why}`);
      else handler(x as EventParams);
    });
  }
}
