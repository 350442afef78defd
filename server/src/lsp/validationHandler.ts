import {
  DiagnosticSeverity,
  type Connection,
  type Diagnostic,
  type TextDocuments,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { LanguageService } from '../language/languageService';

/** Diagnoses documents as they change, debounced per document so typing stays fluid. */
export class ValidationHandler {
  private readonly pending = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly service: LanguageService,
    private readonly delayMs = 150,
  ) {
    documents.onDidOpen((e) => this.validateNow(e.document));
    documents.onDidChangeContent((e) => this.schedule(e.document));
    documents.onDidClose((e) => {
      this.cancel(e.document.uri);
      this.service.forget(e.document.uri);
      void this.connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    });
  }

  schedule(doc: TextDocument): void {
    this.cancel(doc.uri);
    this.pending.set(
      doc.uri,
      setTimeout(() => {
        this.pending.delete(doc.uri);
        const current = this.documents.get(doc.uri);
        if (current) this.validateNow(current);
      }, this.delayMs),
    );
  }

  /** Revalidate every open document (settings changed). */
  validateAll(): void {
    for (const doc of this.documents.all()) this.schedule(doc);
  }

  private cancel(uri: string): void {
    const t = this.pending.get(uri);
    if (t) clearTimeout(t);
    this.pending.delete(uri);
  }

  private validateNow(doc: TextDocument): void {
    let diagnostics: Diagnostic[];
    try {
      diagnostics = this.service.validate(doc);
    } catch (e) {
      // A bug in a check must not take the server down: report it where the user looks.
      this.connection.console.error(
        `supernet: validation failed for ${doc.uri}: ${(e as Error).stack ?? e}`,
      );
      diagnostics = [
        {
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          severity: DiagnosticSeverity.Error,
          source: 'supernet',
          message: `Internal error while validating: ${(e as Error).message}`,
        },
      ];
    }
    void this.connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
  }
}
