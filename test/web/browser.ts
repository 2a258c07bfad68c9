/**
 * The browser for the dashboard's acceptance tests: Debian's Chromium driven by
 * playwright-core, headless, with nothing that phones home, and a fresh profile (Playwright
 * makes a temporary user-data-dir for every launch and removes it on close).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

const root = join(import.meta.dirname, '..', '..');

/**
 * Builds the dashboard in web/ as it is now, the way `npm run build:web` does (production
 * mode: vitest sets NODE_ENV=test, which would give React's development build), into a
 * directory of the test file's own, so test files running side by side never serve
 * each other's half-written build. Returns the directory for ServeRuntime's `assetsDir`.
 */
export function buildDashboard(): string {
  const outDir = mkdtempSync(join(tmpdir(), 'kubetriage-web-'));
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '-c',
      'web/vite.config.ts',
      '--outDir',
      outDir,
    ],
    { cwd: root, stdio: 'pipe', env: { ...process.env, NODE_ENV: 'production' } },
  );
  return outDir;
}

export const artifactsDir = join(import.meta.dirname, '..', '..', 'test-artifacts', 'dashboard');

export async function launchBrowser(): Promise<Browser> {
  await mkdir(artifactsDir, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Browser-side code is passed as source text: the tests are type-checked for Node, where
 * `window` and `document` do not exist.
 */
const pixelCount = (selector: string, test: string) => `(() => {
  const c = document.querySelector(${JSON.stringify(selector)});
  const data = c && c.width > 0 ? c.getContext('2d').getImageData(0, 0, c.width, c.height).data : [];
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
    if (${test}) n++;
  }
  return n;
})()`;

/** Pixels of the canvas that are painted and not white: a chart with axes and lines has thousands. */
export async function paintedPixels(page: Page, selector: string): Promise<number> {
  return page.evaluate<number>(pixelCount(selector, 'a > 0 && (r < 240 || g < 240 || b < 240)'));
}

/** Pixels of the canvas in one colour (±8 per channel, antialiasing aside). */
export async function pixelsOfColour(page: Page, selector: string, hex: string): Promise<number> {
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return page.evaluate<number>(
    pixelCount(
      selector,
      `a > 0 && Math.abs(r - ${r}) < 8 && Math.abs(g - ${g}) < 8 && Math.abs(b - ${b}) < 8`,
    ),
  );
}

/** Navigates the single-page app by its hash, as a click on one of its links would. */
export async function showRoute(page: Page, hash: string): Promise<void> {
  await page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);
}

export async function clipboardText(page: Page): Promise<string> {
  return page.evaluate<string>('navigator.clipboard.readText()');
}
