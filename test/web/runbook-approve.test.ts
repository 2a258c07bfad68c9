/**
 * Approving a runbook in the dashboard and following it live, against a cluster: the Runway
 * outage's simulated cluster served over HTTPS, watched by serve's live session (the feed
 * `serve --kubeconfig` runs) with remediation allowed. In Chromium the on-call reads the
 * bypass plan, names themselves, confirms, and watches the steps arrive; the Deployments
 * are patched in the cluster, and every step is on the incident's timeline under their
 * name. The simulated cluster's time runs at about 40x meanwhile, so a rollout takes
 * seconds.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveSession, startLiveSession } from '../../src/cli/live-session.ts';
import { remediationExecutor } from '../../src/cli/remediation-executor.ts';
import { ServeRuntime } from '../../src/cli/serve-runtime.ts';
import { realClock } from '../../src/time/clock.ts';
import { type RemediationCluster, remediationAt, runLive } from '../respond/remediation-cluster.ts';
import { eventually } from '../support/wait-for.ts';
import { artifactsDir, buildDashboard, launchBrowser, showRoute } from './browser.ts';

const token = 'runbook-approve-token-0123456789';
const auth = { authorization: `Bearer ${token}` };
const deployments = ['ingress-nginx/ingress-nginx-controller', 'cert-manager/cert-manager'];

let browser: Browser;
let cluster: RemediationCluster;
let session: LiveSession;
let rt: ServeRuntime;
let assetsDir: string;
let origin: string;
let running = true;
let roundsDone: Promise<void> | undefined;
let stopSim: (() => Promise<void>) | undefined;

beforeAll(async () => {
  assetsDir = buildDashboard();
  browser = await launchBrowser();
  cluster = await remediationAt('runway-2024', '2024-11-22T11:45:00Z');
  stopSim = runLive(cluster);
  session = await startLiveSession({ kubeconfig: cluster.kubeconfig, timeout: '30' }, { components: true });
  rt = new ServeRuntime({
    clock: session.clock,
    cluster: 'runway',
    token,
    assetsDir,
    remediate: remediationExecutor(session.loaded.kc, session.clock, 'test'),
  });
  // serve's loop: a round every 250 ms of wall time.
  const rounds = async () => {
    while (running) {
      rt.round(session.view, session.clock.now());
      await realClock.sleep(250);
    }
  };
  roundsDone = rounds();
  origin = `http://127.0.0.1:${await rt.listen(0, '127.0.0.1')}`;
}, 120_000);

afterAll(async () => {
  running = false;
  await roundsDone;
  await stopSim?.();
  await browser?.close();
  await session?.feed.stop();
  await rt?.close();
  await cluster?.stop();
  if (assetsDir) await rm(assetsDir, { recursive: true, force: true });
});

const openIncidentId = () =>
  eventually('a service-routing incident', async () => {
    const res = await fetch(`${origin}/api/incidents?status=open`, { headers: auth });
    const { incidents } = (await res.json()) as { incidents: { id: string; top: { pattern: string } }[] };
    return incidents.find((x) => x.top.pattern === 'service-routing')?.id;
  });

describe('approving a runbook in the dashboard', () => {
  it('shows the bypass plan, applies it once approved, and follows every step live', async () => {
    const id = await openIncidentId();
    const context = await browser.newContext({ viewport: { width: 1280, height: 1200 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${origin}/#token=${token}`);
      await showRoute(page, `#/incidents/${id}/runbooks`);
      // The plan grows as the failing pods' logs come in; wait until it names both.
      const plan = page
        .locator('article.runbook', { hasText: 'bypass-service-host' })
        .filter({ hasText: `deployment/${deployments[0]}` })
        .filter({ hasText: `deployment/${deployments[1]}` });
      await plan.waitFor({ timeout: 60_000 });

      // Approving takes a name and a confirmation: the button stays off until both are given.
      await plan.getByRole('button', { name: 'Approve and apply…' }).click();
      const apply = plan.getByRole('button', { name: 'Apply bypass-service-host now' });
      await expect(apply.isDisabled()).resolves.toBe(true);
      await plan.getByLabel('Your name (for the record)').fill('maria.on-call');
      // A confirmation holds for the plan as read: if the plan changes (a new failing pod's
      // logs arrive) the box clears, or the server refuses the old digest; read, tick, again.
      const run = page.locator('article.run').first();
      for (let attempt = 1; ; attempt++) {
        await plan.getByLabel(/I have read the \d+ steps/).check();
        if (attempt === 1)
          await page.screenshot({ path: join(artifactsDir, 'runbook-approve.png'), fullPage: true });
        const started = await apply
          .click({ timeout: 2_000 })
          .then(() =>
            Promise.race([
              run.waitFor({ timeout: 10_000 }).then(() => true),
              plan
                .getByText('Not started')
                .waitFor({ timeout: 10_000 })
                .then(() => false),
            ]),
          )
          .catch(() => false);
        if (started) break;
        if (attempt >= 3) throw new Error('the plan kept changing under the approval');
      }

      // Followed live: the run appears, steps arrive while it runs, and it ends done.
      await run.locator('.run-events li').first().waitFor({ timeout: 10_000 });
      await page.screenshot({ path: join(artifactsDir, 'runbook-running.png'), fullPage: true });
      await page.locator('article.run[data-state="done"]').waitFor({ timeout: 90_000 });
      await page.screenshot({ path: join(artifactsDir, 'runbook-done.png'), fullPage: true });
      // What is bypassed now is no longer offered.
      for (const d of deployments)
        await page
          .locator('article.runbook', { hasText: `deployment/${d}` })
          .waitFor({ state: 'detached', timeout: 15_000 });
      const steps = await run.locator('.run-events li[data-status="done"]').allInnerTexts();
      for (const d of deployments) {
        expect(steps.some((s) => s.includes(`patch deployment/${d} done`))).toBe(true);
        expect(steps.some((s) => s.includes(`verify deployment/${d} done`))).toBe(true);
      }
      await expect(run.innerText()).resolves.toContain('approved by maria.on-call');
    } finally {
      await context.close();
    }
    expect(errors).toEqual([]);

    // The cluster was changed as the plan said, and the record says who did it.
    for (const d of deployments) {
      const [ns, name] = d.split('/');
      const r = await cluster.kubectl(['-n', ns, 'get', 'deployment', name, '-o', 'json']);
      const obj = JSON.parse(r.stdout) as { metadata: { annotations?: Record<string, string> } };
      expect(obj.metadata.annotations?.['kubetriage.io/bypass-service-host'], d).toBeDefined();
    }
    const timeline = (
      (await (await fetch(`${origin}/api/incidents/${id}/timeline`, { headers: auth })).json()) as {
        timeline: { kind: string; text: string; author?: string }[];
      }
    ).timeline.filter((t) => t.kind === 'action' && t.text.startsWith('remediate bypass-service-host'));
    expect(timeline[0].text).toContain('approved by maria.on-call in the dashboard');
    expect(timeline.at(-1)?.text).toContain('finished: every step done and verified');
    expect(timeline.every((t) => t.author === 'maria.on-call')).toBe(true);
  });
});
