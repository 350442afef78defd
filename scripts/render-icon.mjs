// Renders media/icon.svg to media/icon.png (128×128, the marketplace icon) with the
// end-to-end suite's Chromium: `node scripts/render-icon.mjs` after
// `bash scripts/install-e2e.sh`. The PNG is committed; rerun only when the SVG changes.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tools = process.env.SUPERNET_E2E_TOOLS ?? path.join(root, '.e2e-tools');
const { chromium } = createRequire(path.join(tools, 'package.json'))('playwright-core');
const svg = readFileSync(path.join(root, 'media', 'icon.svg'), 'utf8');
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 128, height: 128 } });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page
    .locator('svg')
    .screenshot({ path: path.join(root, 'media', 'icon.png'), omitBackground: true });
} finally {
  await browser.close();
}
