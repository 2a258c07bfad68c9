/**
 * Editing a postmortem's action items in the dashboard, in Chromium against serve with a
 * SQLite store: a person accepts the diagnosis's suggestion, gives it an owner, a due date
 * and a status, adds an item of their own and removes it again. Every change is in the
 * store under their name, and the postmortem draft on the same tab shows the result.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServeRuntime } from '../../src/cli/serve-runtime.ts';
import { incident, t0 } from '../../src/incident/fixtures.ts';
import { openSqliteStore } from '../../src/incident/store/sqlite-store.ts';
import type { IncidentStore } from '../../src/incident/store/store.ts';
import { ManualClock } from '../../src/time/manual-clock.ts';
import { artifactsDir, buildDashboard, launchBrowser, showRoute } from './browser.ts';

const token = 'action-items-token-0123456789';
const advice = 'Alert on NotReady nodes by pool';

let browser: Browser;
let rt: ServeRuntime;
let store: IncidentStore;
let dataDir: string;
let assetsDir: string;
let origin: string;

beforeAll(async () => {
  assetsDir = buildDashboard();
  browser = await launchBrowser();
  dataDir = await mkdtemp(join(tmpdir(), 'kt-items-web-'));
  store = openSqliteStore({ dataDir, cluster: 'prod' });
  const clock = new ManualClock(t0 + 3_600_000);
  rt = new ServeRuntime({ clock, store, cluster: 'prod', token, assetsDir });
  // A resolved incident, as serve restores it from the store after a restart.
  const resolved = incident(
    {
      status: 'resolved',
      resolvedAtMs: t0 + 1_800_000,
      timeline: [{ atMs: t0, kind: 'opened', text: 'opened' }],
    },
    { prevention: [advice, 'Stagger node OS updates'] },
  );
  await store.saveIncidents([resolved]);
  await rt.desk.restore(clock.now());
  origin = `http://127.0.0.1:${await rt.listen(0, '127.0.0.1')}`;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await rt?.close();
  await store?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (assetsDir) await rm(assetsDir, { recursive: true, force: true });
});

describe('action items in the dashboard', () => {
  it('accepts a suggestion, sets owner, due date and status inline, adds and removes one', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1100 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const said = (text: string) => page.locator('.action-items [aria-live]', { hasText: text }).waitFor();
    try {
      await page.goto(`${origin}/#token=${token}`);
      await showRoute(page, '#/incidents/INC-0001/postmortem');
      await page.locator('#ai-author').fill('maria');
      const suggestion = page.locator('.suggestions li', { hasText: advice });
      await suggestion.getByRole('button', { name: 'Accept' }).click();
      await said(`Added "${advice}"`);
      await suggestion.waitFor({ state: 'detached' });

      const [first] = await store.listActionItems('INC-0001');
      const row = `action item ${first.id}`;
      await page.getByLabel(`Owner of ${row}`).fill('team-nodes');
      await page.getByLabel(`Owner of ${row}`).press('Enter');
      await said(`Saved item ${first.id}`);
      await page.getByLabel(`Due date of ${row}`).fill('2026-02-15');
      await page.locator(`tr[data-item="${first.id}"] td.muted`, { hasText: 'maria' }).waitFor();
      await page.getByLabel(`Status of ${row}`).selectOption('done');
      await page.locator(`tr[data-item="${first.id}"][data-status="done"]`).waitFor();

      await page.locator('#ai-text').fill('Write the node-pool runbook');
      await page.locator('#ai-type').selectOption('process');
      await page.getByRole('button', { name: 'Add action item' }).click();
      await said('Added "Write the node-pool runbook"');
      const added = (await store.listActionItems('INC-0001')).find((a) => a.text.includes('runbook'));
      expect(added).toMatchObject({ type: 'process', createdBy: 'maria', status: 'open' });
      await page.getByRole('button', { name: `Remove action item ${added?.id}` }).click();
      await said(`Removed item ${added?.id}`);

      // The draft beside it renders what is stored.
      await page
        .locator('.markdown table tr', { hasText: advice })
        .filter({ hasText: 'team-nodes' })
        .filter({ hasText: '2026-02-15' })
        .filter({ hasText: 'done' })
        .waitFor({ timeout: 10_000 });
      await page.screenshot({ path: join(artifactsDir, 'action-items.png'), fullPage: true });
    } finally {
      await context.close();
    }
    expect(errors).toEqual([]);
    const items = await store.listActionItems('INC-0001');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      text: advice,
      type: 'detect',
      owner: 'team-nodes',
      dueDate: '2026-02-15',
      status: 'done',
      createdBy: 'maria',
      updatedBy: 'maria',
    });
  });
});
