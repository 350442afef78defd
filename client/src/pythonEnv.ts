/**
 * What the language server (and through it every engine it starts) gets in its environment
 * for `supernet.python`: nothing when the setting is empty (the editor's own SUPERNET_PYTHON,
 * if any, holds); else SUPERNET_PYTHON set to it, and SUPERNET_PYTHON_INHERITED to the value it
 * replaced ('' for none), which the server goes back to if the setting is emptied while it runs
 * (server/src/lsp/pytorchProbe.ts). Added to the inherited environment by the language client.
 */
export function pythonEnvFor(
  setting: string | undefined,
  inherited: NodeJS.ProcessEnv,
): Record<string, string> | undefined {
  const python = setting?.trim();
  if (!python) return undefined;
  return { SUPERNET_PYTHON: python, SUPERNET_PYTHON_INHERITED: inherited.SUPERNET_PYTHON ?? '' };
}
