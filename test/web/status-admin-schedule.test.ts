/**
 * The status admin page in Chromium: an operator announces a maintenance window with its
 * components, and subscribes a webhook; the API has both (the webhook's URL shown by host
 * only), and the public page lists the window.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roundsUntilIncident } from '../../src/cli/serve-fixtures.ts';
import { ServeRuntime } from '../../src/cli/serve-runtime.ts';
import { t0 } from '../../src/detect/fixtures.ts';
import type { StatusPage } from '../../src/publish/status-page.ts';
import { ManualClock } from '../../src/time/manual-clock.ts';
import { artifactsDir, buildDashboard, launchBrowser, showRoute } from './browser.ts';

const token = 'status-admin-token-0123456789';
const auth = { authorization: `Bearer ${token}` };
const hour = 3_600_000;
/** A datetime-local value in UTC (the browser context's zone). */
const local = (ms: number) => new Date(ms).toISOString().slice(0, 16);

let browser: Browser;
let rt: ServeRuntime;
let assetsDir: string;
let origin: string;
let incidentId: string;

beforeAll(async () => {
  assetsDir = buildDashboard();
  browser = await launchBrowser();
  const clock = new ManualClock(t0);
  rt = new ServeRuntime({ clock, cluster: 'prod', token, assetsDir });
  incidentId = roundsUntilIncident(rt, clock)!.id;
  origin = `http://127.0.0.1:${await rt.listen(0, '127.0.0.1')}`;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await rt?.close();
  if (assetsDir) await rm(assetsDir, { recursive: true, force: true });
});

describe('status admin: maintenance and subscribers', () => {
  it('schedules a window and subscribes a webhook from the dashboard', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1600 }, timezoneId: 'UTC' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${origin}/#token=${token}`);
      await showRoute(page, `#/incidents/${incidentId}/status-page`);
      await page.getByLabel('Name (public)').fill('Node pool upgrade');
      await page.getByLabel('Starts').fill(local(t0 + 20 * hour));
      await page.getByLabel('Ends').fill(local(t0 + 22 * hour));
      await page.locator('#maintenance-nodes').check();
      await page.getByRole('button', { name: 'Schedule maintenance' }).click();
      await page.getByText('Maintenance scheduled.').waitFor({ timeout: 10_000 });
      await page.locator('#subscriber-endpoint').fill('https://hooks.example.com/in/s3cr3t');
      await page.getByRole('button', { name: 'Subscribe' }).click();
      await page.getByText('Webhook https://hooks.example.com/…').waitFor({ timeout: 10_000 });
      await page.screenshot({ path: join(artifactsDir, 'status-admin-schedule.png'), fullPage: true });

      const { maintenances } = (await (
        await fetch(`${origin}/api/maintenances`, { headers: auth })
      ).json()) as {
        maintenances: { name: string; scheduledForMs: number; components: string[] }[];
      };
      expect(maintenances).toEqual([
        expect.objectContaining({
          name: 'Node pool upgrade',
          scheduledForMs: Math.floor((t0 + 20 * hour) / 60_000) * 60_000,
          components: ['Nodes'],
        }),
      ]);
      const listed = await (await fetch(`${origin}/api/subscribers`, { headers: auth })).text();
      expect(listed).not.toContain('s3cr3t');
      const status = (await (await fetch(`${origin}/status.json`)).json()) as StatusPage;
      expect(status.scheduled_maintenances.map((m) => m.name)).toEqual(['Node pool upgrade']);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
