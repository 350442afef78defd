import type {
  CodeAction,
  CodeLens,
  CompletionList,
  Diagnostic,
  DocumentSymbol,
  Hover,
  Position,
  Range,
} from 'vscode-languageserver-types';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { analyse, type Analysis } from '../analysis/analysis';
import { codeActions } from './codeActions';
import { codeLenses } from './codeLens';
import { complete } from './completion';
import { toDiagnostics } from './diagnostics';
import { hover } from './hover';
import type { AnalysisOptions } from '../analysis/rules';
import { documentSymbols } from './symbols';

export type LanguageServiceOptions = Omit<AnalysisOptions, 'configPath'> & {
  /** The file path of a document URI (file: URIs), for resolving relative data paths. */
  uriToPath?: (uri: string) => string | undefined;
  /** Subfolder names of a folder, for completing `task.path`. */
  listFolders?: (absoluteDir: string) => string[];
};

/** The Supernet config language: plain functions of a document, no connection, no I/O of its own. */
export interface LanguageService {
  analyse(d: TextDocument): Analysis;
  validate(d: TextDocument): Diagnostic[];
  hover(d: TextDocument, p: Position): Hover | null;
  complete(d: TextDocument, p: Position): CompletionList;
  codeActions(d: TextDocument, range: Range): CodeAction[];
  documentSymbols(d: TextDocument): DocumentSymbol[];
  codeLenses(d: TextDocument): CodeLens[];
  /** Drops what the service keeps of a document (it was closed). */
  forget(uri: string): void;
}

export function getLanguageService(options: LanguageServiceOptions = {}): LanguageService {
  // One analysis per document version: hover, lenses and diagnostics of one edit share it.
  const cache = new Map<string, { version: number; analysis: Analysis }>();
  const analyseDoc = (d: TextDocument): Analysis => {
    const hit = cache.get(d.uri);
    if (hit && hit.version === d.version && hit.analysis.text === d.getText()) return hit.analysis;
    const analysis = analyse(d.getText(), { ...options, configPath: options.uriToPath?.(d.uri) });
    cache.set(d.uri, { version: d.version, analysis });
    if (cache.size > 64) cache.delete(cache.keys().next().value as string);
    return analysis;
  };
  return {
    analyse: analyseDoc,
    validate: (d) => toDiagnostics(d, analyseDoc(d).problems),
    hover: (d, p) => hover(d, d.offsetAt(p), analyseDoc(d)),
    complete: (d, p) => {
      const file = options.uriToPath?.(d.uri);
      const devices = options.deviceProfiles ? [...options.deviceProfiles(file).keys()] : [];
      return complete(d, d.offsetAt(p), {
        ...(file ? { configDir: file.replace(/[\\/][^\\/]*$/, '') } : {}),
        ...(devices.length ? { devices } : {}),
        ...(options.listFolders ? { listFolders: options.listFolders } : {}),
        ...(options.pytorchStatus ? { pytorchStatus: options.pytorchStatus } : {}),
      });
    },
    codeActions: (d, range) => codeActions(d, range, analyseDoc(d)),
    documentSymbols: (d) => documentSymbols(d, analyseDoc(d)),
    codeLenses: (d) => codeLenses(d, analyseDoc(d)),
    forget: (uri) => void cache.delete(uri),
  };
}
