// The e2e tests: the extension, its language client and the language server in a real VS
// Code, through the same API calls the editor makes (vscode.execute*Provider commands).
// Each test waits on state (diagnostics events, polling with a deadline), never on a sleep.
import type * as VSCode from 'vscode';
import { requestScreenshot } from '../screenshotRequests';
import { waitFor } from '../wait';
import { Skip, type Test } from './runner';

const EXTENSION_ID = 'supernet-studio.supernet-studio';
/** Longest wait for one state change (activation and the server's start included). */
const TIMEOUT_MS = 20_000;

export function supernetTests(vscode: typeof VSCode): Test[] {
  const folder = () => {
    const f = vscode.workspace.workspaceFolders?.[0];
    if (!f) throw new Error('the window has no workspace folder');
    return f.uri;
  };
  const tinyUri = () => vscode.Uri.joinPath(folder(), 'tiny.supernet.yaml');

  /** Watches the diagnostics of one document from now on: create it before the change. */
  function watchDiagnostics(uri: VSCode.Uri) {
    let published = false;
    const key = uri.toString();
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === key)) published = true;
    });
    return {
      dispose: () => sub.dispose(),
      /** Waits until diagnostics were published since the watch began and `ok` holds for them. */
      async until(what: string, ok: (d: VSCode.Diagnostic[]) => boolean) {
        try {
          return await waitFor(
            `diagnostics of ${vscode.workspace.asRelativePath(uri)}: ${what}`,
            () => {
              if (!published) return undefined;
              const d = vscode.languages.getDiagnostics(uri);
              return ok(d) ? d : undefined;
            },
            TIMEOUT_MS,
          );
        } catch (e) {
          const now = vscode.languages.getDiagnostics(uri).map(describe);
          throw new Error(
            `${(e as Error).message}; published: ${published}; now: ${JSON.stringify(now)}`,
          );
        } finally {
          sub.dispose();
        }
      },
    };
  }

  const errors = (d: VSCode.Diagnostic[]) =>
    d.filter((x) => x.severity === vscode.DiagnosticSeverity.Error);
  const codeOf = (d: VSCode.Diagnostic) =>
    typeof d.code === 'object' ? String(d.code.value) : String(d.code ?? '');
  const describe = (d: VSCode.Diagnostic) =>
    `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ` +
    `${vscode.DiagnosticSeverity[d.severity]} ${codeOf(d)}: ${d.message}`;

  const openTiny = async () => {
    const doc = await vscode.workspace.openTextDocument(tinyUri());
    await vscode.window.showTextDocument(doc, { preview: false });
    return doc;
  };

  /** Line and column of `needle` in the first line matching `line`. */
  const find = (doc: VSCode.TextDocument, line: RegExp, needle: string) => {
    for (let i = 0; i < doc.lineCount; i++) {
      const text = doc.lineAt(i).text;
      const col = text.indexOf(needle);
      if (line.test(text) && col >= 0) return new vscode.Position(i, col);
    }
    throw new Error(`no line matching ${line} with ${JSON.stringify(needle)} in ${doc.uri}`);
  };

  /** The `5` of the first stage's `kernel: [3, 5]` (or the `4` once made even). */
  const firstStageKernel = (doc: VSCode.TextDocument, value: '4' | '5') => {
    const kernel = find(doc, /^\s*- \{.*kernel: \[3, [45]\]/, `kernel: [3, ${value}]`);
    const start = kernel.translate(0, 'kernel: [3, '.length);
    return new vscode.Range(start, start.translate(0, 1));
  };

  /** Makes the first stage's kernel even (`[3, 4]`) and waits for the error; idempotent. */
  const evenKernel = async () => {
    const doc = await openTiny();
    const range = firstStageKernel(doc, doc.getText().includes('kernel: [3, 4]') ? '4' : '5');
    const watch = watchDiagnostics(doc.uri);
    if (doc.getText(range) === '5') {
      const edit = new vscode.WorkspaceEdit();
      edit.replace(doc.uri, range, '4');
      if (!(await vscode.workspace.applyEdit(edit))) throw new Error('the edit was not applied');
    }
    // Diagnostics already there count too: the watch only demands a publication since the
    // edit when there was one to wait for.
    const found = (d: VSCode.Diagnostic[]) => d.find((x) => codeOf(x) === 'even-kernel');
    const current = found(vscode.languages.getDiagnostics(doc.uri));
    if (current) watch.dispose();
    const d = current ?? found(await watch.until('an even-kernel error', (x) => !!found(x)));
    return { doc, range, diagnostic: d! };
  };

  const texts = (contents: (VSCode.MarkdownString | VSCode.MarkedString)[]) =>
    contents.map((c) => (typeof c === 'string' ? c : c.value)).join('\n');

  return [
    {
      name: 'opening tiny.supernet.yaml activates the extension; the server reports no errors',
      fn: async () => {
        const watch = watchDiagnostics(tinyUri());
        const doc = await openTiny();
        if (doc.languageId !== 'supernet') throw new Error(`language is ${doc.languageId}`);
        const ext = vscode.extensions.getExtension(EXTENSION_ID);
        if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
        await waitFor(
          'the extension to activate',
          () => (ext.isActive ? true : undefined),
          TIMEOUT_MS,
        );
        const d = await watch.until('published', () => true);
        if (errors(d).length) throw new Error(`errors: ${JSON.stringify(errors(d).map(describe))}`);
      },
    },
    {
      name: 'hover on space: shows the number of subnets',
      fn: async () => {
        const doc = await openTiny();
        const pos = find(doc, /^space\s*:/, 'space').translate(0, 1);
        const hovers = await vscode.commands.executeCommand<VSCode.Hover[]>(
          'vscode.executeHoverProvider',
          doc.uri,
          pos,
        );
        const text = hovers.map((h) => texts(h.contents)).join('\n');
        if (!text.includes('subnets')) throw new Error(`hover: ${JSON.stringify(text)}`);
      },
    },
    {
      name: 'code lens shows "N subnets · MACs …"',
      fn: async () => {
        const doc = await openTiny();
        const lenses = await vscode.commands.executeCommand<VSCode.CodeLens[]>(
          'vscode.executeCodeLensProvider',
          doc.uri,
        );
        const titles = lenses.map((l) => l.command?.title ?? '');
        if (!titles.some((t) => /subnets · MACs /.test(t)))
          throw new Error(`lenses: ${JSON.stringify(titles)}`);
      },
    },
    {
      // Block style, in an untitled copy of the tiny config: the server completes no values
      // inside a flow mapping such as `optimizer: { type: sgd }` yet (VS Code then offers
      // only words of the document).
      name: 'completion after `type: ` under optimizer offers adam',
      fn: async () => {
        const tiny = await openTiny();
        const content = tiny
          .getText()
          .replace(
            /^( *)optimizer: \{ type: sgd, lr: ([\d.]+), momentum: ([\d.]+) \}$/m,
            '$1optimizer:\n$1  type: sgd\n$1  lr: $2\n$1  momentum: $3',
          );
        const doc = await vscode.workspace.openTextDocument({ language: 'supernet', content });
        try {
          const pos = find(doc, /^\s*type: sgd$/, 'type: ').translate(0, 'type: '.length);
          const list = await vscode.commands.executeCommand<VSCode.CompletionList>(
            'vscode.executeCompletionItemProvider',
            doc.uri,
            pos,
          );
          const labels = list.items.map((i) =>
            typeof i.label === 'string' ? i.label : i.label.label,
          );
          const adam = list.items.find((i) => i.label === 'adam');
          if (adam?.kind !== vscode.CompletionItemKind.EnumMember)
            throw new Error(`items: ${JSON.stringify(labels)}`);
        } finally {
          // Close the scratch editor without a save prompt, so that later views show only tiny.
          await vscode.window.showTextDocument(doc);
          await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
        }
      },
    },
    {
      name: 'kernel: [3, 4] gets an even-kernel error on the 4',
      fn: async () => {
        const { doc, range, diagnostic } = await evenKernel();
        if (doc.getText(range) !== '4') throw new Error(`the edit left ${doc.getText(range)}`);
        if (
          diagnostic.severity !== vscode.DiagnosticSeverity.Error ||
          !diagnostic.range.isEqual(range)
        )
          throw new Error(
            `expected an error at ${describe(new vscode.Diagnostic(range, ''))}, got ${describe(diagnostic)}`,
          );
      },
    },
    {
      name: 'the editor shows the code lens and the error (test-results/e2e/editor.png)',
      fn: async () => {
        const { doc } = await evenKernel();
        const editor = await vscode.window.showTextDocument(doc, { preview: false });
        editor.revealRange(new vscode.Range(0, 0, 0, 0), vscode.TextEditorRevealType.AtTop);
        await vscode.commands.executeCommand('workbench.actions.view.problems');
        await vscode.window.showTextDocument(doc, { preview: false });
        const shot = await requestScreenshot(
          'editor',
          {
            waitFor: [
              '.monaco-editor .codelens-decoration:has-text("1 error")',
              '.monaco-editor .squiggly-error',
              '.markers-panel .monaco-list-row',
            ],
          },
          TIMEOUT_MS + 5_000,
        );
        if (!shot) throw new Skip('no screenshot runner (SUPERNET_E2E_SCREENSHOT_REQUESTS unset)');
      },
    },
    {
      name: 'the even-kernel quick fix "Change to 5" restores the kernel',
      fn: async () => {
        const { doc, diagnostic } = await evenKernel();
        const actions = await vscode.commands.executeCommand<
          (VSCode.CodeAction | VSCode.Command)[]
        >('vscode.executeCodeActionProvider', doc.uri, diagnostic.range);
        const fix = actions.find((a) => a.title === 'Change to 5') as VSCode.CodeAction | undefined;
        if (!fix?.edit) throw new Error(`actions: ${JSON.stringify(actions.map((a) => a.title))}`);
        const watch = watchDiagnostics(doc.uri);
        if (!(await vscode.workspace.applyEdit(fix.edit)))
          throw new Error('the fix was not applied');
        firstStageKernel(doc, '5');
        await watch.until('no errors after the fix', (d) => errors(d).length === 0);
      },
    },
    {
      name: 'Supernet: New Config writes example.supernet.yaml with no errors',
      fn: async () => {
        const uri = vscode.Uri.joinPath(folder(), 'example.supernet.yaml');
        const watch = watchDiagnostics(uri);
        await vscode.commands.executeCommand('supernet.newConfig');
        const stat = await vscode.workspace.fs.stat(uri);
        if (stat.size === 0) throw new Error(`${uri} is empty`);
        const active = vscode.window.activeTextEditor?.document;
        if (active?.uri.toString() !== uri.toString() || active.languageId !== 'supernet')
          throw new Error(`the active editor shows ${active?.uri} (${active?.languageId})`);
        const d = await watch.until('published', () => true);
        if (errors(d).length) throw new Error(`errors: ${JSON.stringify(errors(d).map(describe))}`);
      },
    },
  ];
}
