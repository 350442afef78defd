import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { RequestType } from 'vscode-jsonrpc';
import {
  CancelRequest,
  checkEventParams,
  EventNotification,
  ExportRequest,
  FinetuneRequest,
  RankRequest,
  ResumeRequest,
  RunsRequest,
  SearchRequest,
  TrainRequest,
  type CancelParams,
  type EventParams,
  type ExportParams,
  type FinetuneParams,
  type RankParams,
  type ResumeParams,
  type SearchParams,
  type TrainParams,
} from '#shared/protocol/lsp';

/**
 * The run manager's requests over the language client, typed by their declarations in
 * the protocol. The server owns the engine processes; the client only asks and listens.
 */
export class RunsApi {
  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  private send<P, R>(
    type: RequestType<P, R, void>,
    params: P,
    token?: vscode.CancellationToken,
  ): Promise<R> {
    const c = this.client();
    if (!c || !c.isRunning())
      return Promise.reject(
        new Error('the Supernet language server is not running (see its output channel)'),
      );
    return c.sendRequest(type, params, token);
  }

  train = (p: TrainParams) => this.send(TrainRequest, p);
  resume = (p: ResumeParams) => this.send(ResumeRequest, p);
  search = (p: SearchParams) => this.send(SearchRequest, p);
  export = (p: ExportParams) => this.send(ExportRequest, p);
  rank = (p: RankParams) => this.send(RankRequest, p);
  finetune = (p: FinetuneParams) => this.send(FinetuneRequest, p);
  cancel = (p: CancelParams) => this.send(CancelRequest, p);
  runs = (runsDir: string, token?: vscode.CancellationToken) =>
    this.send(RunsRequest, { runsDir }, token);

  /** `supernet/event`, checked on arrival: a malformed one is logged and dropped. */
  onEvent(client: LanguageClient, handler: (n: EventParams) => void): vscode.Disposable {
    return client.onNotification(EventNotification.method, (x: unknown) => {
      const why = checkEventParams(x);
      if (why) this.log.warn(`ignored a ${EventNotification.method} notification: ${why}`);
      else handler(x as EventParams);
    });
  }
}
