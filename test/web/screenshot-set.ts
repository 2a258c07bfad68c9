/**
 * The screenshot set of issue 23: the dashboard in Chromium on a healthy cluster
 * (healthy-day, six hours in), during an outage (runway-2024, 40 minutes after its onset)
 * and after it (the replay played through resolution), and the same three moments on a
 * Cilium cluster without kube-proxy that is fixed in place: the cluster page, the
 * incident's overview, its status-page tab and its postmortem. A script, not a test: people look at
 * the pictures. Run: `npx node test/web/screenshot-set.ts [OUTDIR] [healthy,during,after]`
 * (default test-artifacts/dashboard/first-run, every moment).
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { serveReplay } from '../../src/cli/serve-replay.ts';
import { ServeRuntime } from '../../src/cli/serve-runtime.ts';
import { loadScenario } from '../../src/sim/scenario/loader.ts';
import { VirtualClock } from '../../src/time/virtual-clock.ts';
import { artifactsDir, buildDashboard, launchBrowser } from './browser.ts';

const token = 'screenshot-set-token-0123456789';
const out = process.argv[2] ?? join(artifactsDir, 'first-run');
/** Optional: only these moments, e.g. `healthy` (comma-separated). */
const only = process.argv[3]?.split(',');
const min = 60_000;

interface Moment {
  scenario: string;
  label: string;
  /** Virtual ms after the scenario's start; undefined: the end of the replay. */
  atMs?: number;
  forMs?: number;
}

const moments: Moment[] = [
  // 06:10, while shop/recommendations is short of a replica, as it is most of the day: a
  // healthy cluster with one app failing on its own, not a lucky round without it.
  { scenario: 'healthy-day', label: 'healthy', atMs: (6 * 60 + 10) * min, forMs: (6 * 60 + 11) * min },
  { scenario: 'runway-2024', label: 'during', atMs: (2 * 60 + 52) * min },
  // The end of the replay: resolved by rebuilding elsewhere, so this cluster stays broken.
  { scenario: 'runway-2024', label: 'after' },
  // A cluster without kube-proxy (Cilium replaces it) that heals in place: before its fault
  // (09:35), 40 minutes into it, and after the fix (11:40), at the replay's end.
  {
    scenario: 'hcloud-cilium-wireguard-mtu-2026',
    label: 'cilium-healthy',
    atMs: 80 * min,
    forMs: 81 * min,
  },
  { scenario: 'hcloud-cilium-wireguard-mtu-2026', label: 'cilium-during', atMs: (2 * 60 + 15) * min },
  { scenario: 'hcloud-cilium-wireguard-mtu-2026', label: 'cilium-after' },
];

async function shoot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(1_500);
  await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
  process.stdout.write(`${join(out, `${name}.png`)}\n`);
}

async function capture(page: Page, origin: string, label: string, rt: ServeRuntime): Promise<void> {
  await page.goto(`${origin}/#token=${token}`);
  await page.reload();
  await shoot(page, `${label}-cluster`);
  const [incident] = rt.pipeline.tracker.incidents();
  if (!incident) {
    await page.goto(`${origin}/status`);
    await shoot(page, `${label}-public-status`);
    return;
  }
  for (const tab of ['', '/status-page', '/postmortem']) {
    await page.goto(`${origin}/#/incidents/${incident.id}${tab}`);
    await shoot(page, `${label}-incident${tab.replace('/', '-') || '-overview'}`);
  }
  await page.goto(`${origin}/status`);
  await shoot(page, `${label}-public-status`);
}

await mkdir(out, { recursive: true });
const assetsDir = buildDashboard();
const browser = await launchBrowser();
try {
  for (const m of moments.filter((x) => !only || only.includes(x.label))) {
    const scenario = await loadScenario(m.scenario);
    const start = Date.parse(scenario.start);
    const clock = new VirtualClock(start);
    const rt = new ServeRuntime({ clock, cluster: m.scenario, token, assetsDir, autoPublish: false });
    const port = await rt.listen(0, '127.0.0.1');
    const origin = `http://127.0.0.1:${port}`;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    let taken = false;
    try {
      await serveReplay(rt, scenario, {
        token,
        clock,
        forMs: m.forMs ?? m.atMs,
        onProgress: async (nowMs) => {
          if (taken || m.atMs === undefined || nowMs < start + m.atMs) return;
          taken = true;
          await capture(page, origin, m.label, rt);
        },
      });
      if (!taken) await capture(page, origin, m.label, rt);
    } finally {
      await context.close();
      await rt.close();
    }
  }
} finally {
  await browser.close();
  await rm(assetsDir, { recursive: true, force: true });
}
