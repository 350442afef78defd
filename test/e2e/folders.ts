// The folders and environment of one end-to-end run, shared by the code-server runner
// (run.ts) and the VS Code desktop runner (electron.ts): a temporary root holding a home,
// user data with quiet settings, an extensions folder, the workspace with the tiny example
// (and a copy of it on the pytorch backend), and the environment that points every home and
// temp folder into it.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { SCREENSHOT_DIR_ENV } from './screenshotRequests';

const ROOT = path.resolve(__dirname, '../../..');

export interface Folders {
  root: string;
  home: string;
  userData: string;
  extensions: string;
  workspace: string;
  profile: string;
  requests: string;
}

/** The test's own folders under one temporary root, and the workspace the window opens. */
/** The device the e2e workspace's tiny config names, profiled on this machine. */
export const E2E_DEVICE = 'e2e-cpu';

/** The tiny example on `train.backend: pytorch`, in the e2e workspace. */
export const PYTORCH_CONFIG = 'tiny-pytorch.supernet.yaml';

/**
 * The Python with torch the pytorch backend's compute process runs in: Debian's
 * python3-torch, whose interpreter is /usr/bin/python3 (a pyenv `python3` first on PATH
 * may lack torch). The engine the extension starts inherits it from code-server.
 */
const TORCH_PYTHON = process.env.SUPERNET_PYTHON ?? '/usr/bin/python3';

/**
 * `supernet profile tiny.supernet.yaml --device e2e-cpu` in the workspace, as a user would
 * run it: its table lands in the workspace's `.supernet/devices`, where the search and the
 * editor find it.
 */
export function writeDeviceTable(f: Folders, env: NodeJS.ProcessEnv): void {
  const r = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'bin', 'supernet.js'),
      'profile',
      'tiny.supernet.yaml',
      '--device',
      E2E_DEVICE,
      '--subnets',
      '8',
    ],
    { cwd: f.workspace, env, encoding: 'utf8', timeout: 120_000 },
  );
  if (r.status !== 0) throw new Error(`supernet profile failed: ${r.stderr}`);
}

export async function makeFolders(): Promise<Folders> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'supernet-e2e-'));
  const f: Folders = {
    root,
    home: path.join(root, 'home'),
    userData: path.join(root, 'user-data'),
    extensions: path.join(root, 'extensions'),
    workspace: path.join(root, 'workspace'),
    profile: path.join(root, 'chromium-profile'),
    requests: path.join(root, 'screenshot-requests'),
  };
  for (const dir of [
    f.home,
    f.extensions,
    f.workspace,
    f.profile,
    f.requests,
    path.join(root, 'tmp'),
  ])
    await fs.mkdir(dir, { recursive: true });
  await fs.mkdir(path.join(f.userData, 'User'), { recursive: true });
  // Nothing but the editor: no welcome page, tips, update checks or telemetry.
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'security.workspace.trust.enabled': false,
    'editor.codeLens': true,
    'files.autoSave': 'off',
  };
  await fs.writeFile(
    path.join(f.userData, 'User', 'settings.json'),
    JSON.stringify(settings, null, 2),
  );
  // The tiny example, its search also minimising the latency on a device `e2e-cpu` (a third
  // objective: the chart's default axes stay accuracy and MACs), whose latency table the
  // runner writes with `supernet profile` before the editor starts (deviceTable below).
  const tiny = (
    await fs.readFile(path.join(ROOT, 'examples', 'tiny.supernet.yaml'), 'utf8')
  ).replace(
    'objectives: { accuracy: max, macs: min }',
    `objectives: { accuracy: max, macs: min, latency@${E2E_DEVICE}: min }`,
  );
  if (!tiny.includes(`latency@${E2E_DEVICE}`))
    throw new Error('the tiny example changed its objectives');
  await fs.writeFile(path.join(f.workspace, 'tiny.supernet.yaml'), tiny);
  const torch = (await fs.readFile(path.join(ROOT, 'examples', 'tiny.supernet.yaml'), 'utf8'))
    .replace(/^name: tiny$/m, 'name: tiny-pytorch')
    .replace(/^(\s+)backend: auto$/m, '$1backend: pytorch');
  if (!torch.includes('backend: pytorch')) throw new Error('the tiny example names no backend');
  await fs.writeFile(path.join(f.workspace, PYTORCH_CONFIG), torch);
  return f;
}

/**
 * The environment of code-server, its extension host and Chromium: the caller's, without
 * what would redirect code-server (PORT, PASSWORD, …) or tie it to a VS Code this runs in,
 * and with every home and temp folder pointed into the test's own.
 */
export function testEnv(f: Folders): NodeJS.ProcessEnv {
  const dropped =
    /^(VSCODE_|ELECTRON_|CODE_SERVER_|CS_|NODE_TEST_)|^(PORT|PASSWORD|HASHED_PASSWORD|GITHUB_TOKEN|NODE_OPTIONS)$/;
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!dropped.test(k)) env[k] = v;
  return {
    ...env,
    HOME: f.home,
    XDG_CONFIG_HOME: path.join(f.home, '.config'),
    XDG_DATA_HOME: path.join(f.home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(f.home, '.cache'),
    TMPDIR: path.join(f.root, 'tmp'),
    SUPERNET_PYTHON: TORCH_PYTHON,
    [SCREENSHOT_DIR_ENV]: f.requests,
  };
}
