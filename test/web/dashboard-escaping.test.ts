import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServeRuntime } from '../../src/cli/serve-runtime.ts';
import { node, pod, t0, viewOf } from '../../src/detect/fixtures.ts';
import { incident } from '../../src/incident/fixtures.ts';
import { ManualClock } from '../../src/time/manual-clock.ts';
import { artifactsDir, buildDashboard, launchBrowser, showRoute } from './browser.ts';

const token = 'escaping-test-token-0123456789';
const payload = '<img src=x onerror=alert(1)>';
const quoted = '"><script>alert(2)</script>';

let browser: Browser;
let rt: ServeRuntime;
let assetsDir: string;
let origin: string;

beforeAll(async () => {
  assetsDir = buildDashboard();
  browser = await launchBrowser();
  const clock = new ManualClock(t0);
  rt = new ServeRuntime({ clock, cluster: quoted, token, assetsDir });
  const view = viewOf({
    nodes: [
      node({ name: payload, ready: 'False', readyReason: 'KubeletNotReady', readySinceMs: t0 - 600_000 }),
      node({ name: 'aks-1' }),
    ],
    pods: [
      pod({
        name: payload,
        namespace: 'kube-system',
        node: payload,
        containers: [{ name: 'c', waiting: 'CrashLoopBackOff', restartCount: 7 }],
      }),
    ],
  });
  rt.round(view, t0);
  const evil = {
    title: `Node ${payload} lost its network`,
    statement: `Node ${payload} is NotReady; ${quoted}`,
    supporting: [
      { source: 'object' as const, ref: `node/${payload}`, atMs: t0, text: `Ready=False on ${payload}` },
    ],
    ruledOut: [{ pattern: quoted, why: payload }],
    blastRadius: { nodes: [payload] },
    nextSteps: [{ say: `Describe ${payload}`, command: `kubectl describe node '${payload}'` }],
  };
  rt.pipeline.tracker.restore(
    [incident({ timeline: [{ atMs: t0, kind: 'opened', text: `opened for ${payload}` }] }, evil)],
    1,
  );
  origin = `http://127.0.0.1:${await rt.listen(0, '127.0.0.1')}`;
  const res = await fetch(`${origin}/api/incidents/INC-0001/notes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text: `note ${payload}`, author: quoted }),
  });
  expect(res.status).toBe(201);
});

afterAll(async () => {
  await browser?.close();
  await rt?.close();
  if (assetsDir) await rm(assetsDir, { recursive: true, force: true });
});

describe('the dashboard escapes what the cluster names', () => {
  it('renders hostile names as text on the cluster, incident, runbook, status-page and postmortem views', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const dialogs: string[] = [];
    const errors: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${origin}/#token=${token}`);
      // The token left the address bar as soon as the app read it.
      expect(page.url()).not.toContain(token);
      await page.locator(`[data-node="${payload}"]`).waitFor({ timeout: 10_000 });
      await page.locator('main', { hasText: `kube-system/${payload}` }).waitFor({ timeout: 10_000 });
      await expect(page.locator('.banner').innerText()).resolves.toContain(quoted);
      await page.screenshot({ path: join(artifactsDir, 'escaping-cluster.png'), fullPage: true });

      for (const tab of ['', '/runbooks', '/status-page', '/postmortem']) {
        await showRoute(page, `#/incidents/INC-0001${tab}`);
        await page.locator('.incident-head h1', { hasText: payload }).waitFor({ timeout: 10_000 });
        if (tab === '') {
          await page.locator('.timeline li', { hasText: `note ${payload}` }).waitFor({ timeout: 10_000 });
          await expect(page.locator('.hypothesis .statement').innerText()).resolves.toBe(
            `Node ${payload} is NotReady; ${quoted}`,
          );
          await expect(page.locator('.steps button').getAttribute('data-command')).resolves.toBe(
            `kubectl describe node '${payload}'`,
          );
          await page.screenshot({ path: join(artifactsDir, 'escaping-incident.png'), fullPage: true });
        }
        if (tab === '/postmortem') await page.locator('.markdown', { hasText: payload }).first().waitFor();
        // No element was made from the names: the page's only images and scripts are its own.
        expect(await page.locator('img[src="x"], img[onerror]').count()).toBe(0);
        expect(await page.locator('script:not([src])').count()).toBe(0);
      }
    } finally {
      await context.close();
    }
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('renders the postmortem as Markdown: inline code as code, no backticks left, HTML in a note shown as text', async () => {
    const command = 'kubectl -n kube-system rollout restart ds/kube-proxy';
    const res = await fetch(`${origin}/api/incidents/INC-0001/notes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: `ran \`${command}\`, then <b>waited</b>`, author: 'oncall' }),
    });
    expect(res.status).toBe(201);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    try {
      await page.goto(`${origin}/#token=${token}`);
      await showRoute(page, '#/incidents/INC-0001/postmortem');
      await page.locator('.markdown code', { hasText: command }).first().waitFor({ timeout: 10_000 });
      const text = await page.locator('.markdown').first().innerText();
      expect(text).toContain(`ran ${command}, then <b>waited</b>`);
      expect(text).not.toContain('`');
      expect(await page.locator('.markdown b').count()).toBe(0);
      // Markdown made the headings and the timeline table: none of its syntax is left as text.
      expect(await page.locator('.markdown h2').count()).toBeGreaterThan(3);
      expect(await page.locator('.markdown table').count()).toBeGreaterThan(0);
      expect(text).not.toMatch(/^#+ |\|---\|/m);
    } finally {
      await context.close();
    }
  });

  it('posts a public update that sets a component state by hand, shown on the public page', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1100 } });
    const page = await context.newPage();
    try {
      await page.goto(`${origin}/#token=${token}`);
      await showRoute(page, '#/incidents/INC-0001/status-page');
      await page.locator('#update-message').fill('DNS lookups fail as well; we are on it.');
      await page.locator('#component-dns').selectOption('major_outage');
      await page.getByRole('button', { name: 'Post update' }).click();
      await page.getByText('Update posted.').waitFor({ timeout: 10_000 });
      await page.locator('.checks li', { hasText: 'DNS: Major outage' }).waitFor({ timeout: 10_000 });
      await page.screenshot({ path: join(artifactsDir, 'status-admin-components.png'), fullPage: true });
    } finally {
      await context.close();
    }
    const pub = (await (await fetch(`${origin}/status.json`)).json()) as {
      components: { name: string; status: string }[];
      incidents: { incident_updates: { body: string }[] }[];
    };
    expect(pub.components.find((c) => c.name === 'DNS')?.status).toBe('major_outage');
    expect(pub.incidents[0].incident_updates[0].body).toBe('DNS lookups fail as well; we are on it.');
  });

  it('sends the dashboard with a Content-Security-Policy that allows only its own scripts', async () => {
    const res = await fetch(`${origin}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(await res.text())?.[1];
    const asset = await fetch(`${origin}${js}`);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // The data is not public.
    expect((await fetch(`${origin}/api/dashboard/nodes`)).status).toBe(401);
  });
});
