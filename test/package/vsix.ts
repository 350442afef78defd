// The platform package (.vsix) of this machine, as `npm run package` builds it: built again
// when any shipped bundle or the manifest is newer. Shared by the package test and the
// end-to-end suite, which both test what a user installs.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');
export const TARGET = `${process.platform}-${process.arch}`;

const newest = (files: string[]): number =>
  Math.max(...files.filter(existsSync).map((f) => statSync(f).mtimeMs));

/** The .vsix for this platform, packaged now unless an up-to-date one exists. */
export function ensureVsix(): string {
  const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  const vsix = path.join(ROOT, '.package', `supernet-studio-${TARGET}-${version}.vsix`);
  // Python's bytecode cache is not shipped: its writes do not make the package stale.
  const inDir = (dir: string) =>
    existsSync(path.join(ROOT, dir))
      ? readdirSync(path.join(ROOT, dir))
          .filter((f) => f !== '__pycache__')
          .map((f) => path.join(ROOT, dir, f))
      : [];
  const inputs = [
    path.join(ROOT, 'package.json'),
    path.join(ROOT, 'README.md'),
    path.join(ROOT, 'scripts', 'package.mjs'),
    ...[
      'dist',
      'media/dist',
      'examples',
      'schemas',
      'syntaxes',
      'media/walkthrough',
      'python/supernet_torch',
    ].flatMap(inDir),
  ];
  if (!existsSync(vsix) || statSync(vsix).mtimeMs < newest(inputs))
    execFileSync(process.execPath, ['scripts/package.mjs', '--target', TARGET, '--no-build'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  return vsix;
}

/** What the .vsix holds (vsce ls of the staged package), one path a line. */
export function vsixFiles(): string[] {
  const out = execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'ls'],
    { cwd: path.join(ROOT, '.package', `stage-${TARGET}`), encoding: 'utf8' },
  );
  return out.trim().split('\n');
}
