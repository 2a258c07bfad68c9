/**
 * The status page's drafts (a person publishes what kubetriage writes) and Alertmanager's
 * webhook, through the HTTP API as serve answers it.
 */
import { describe, expect, it } from 'vitest';
import { hypothesis, t0 } from '../incident/fixtures.ts';
import { IncidentTracker } from '../incident/tracker.ts';
import type { StatusPage } from '../publish/status-page.ts';
import { ManualClock } from '../time/manual-clock.ts';
import { createApp } from './app.ts';
import { IncidentDesk } from './desk.ts';

const token = 'test-token-0123456789abcdef';
const json = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

function serve(autoPublish: boolean) {
  const clock = new ManualClock(t0);
  const tracker = new IncidentTracker();
  const desk = new IncidentDesk({ tracker, autoPublish });
  const app = createApp({ desk, clock, token, cluster: 'test', pageName: 'Test', findings: () => [] });
  const h = hypothesis({ sinceMs: t0, blastRadius: { nodes: ['aks-1'] } });
  for (const at of [t0 + 10_000, t0 + 20_000])
    desk.afterRound(at, tracker.update({ hypotheses: [h], findings: [] }, at), []);
  const [incident] = tracker.incidents();
  return { app, incident, clock };
}

const page = async (app: ReturnType<typeof serve>['app']) =>
  (await (await app.request('/status.json')).json()) as StatusPage;

describe('public updates as drafts', () => {
  it('keeps the update as a draft until a person publishes it, in their words', async () => {
    const { app, incident } = serve(false);
    expect((await page(app)).incidents[0].incident_updates).toEqual([]);
    const draft = (await (
      await app.request(`/api/incidents/${incident.id}/draft`, { headers: json })
    ).json()) as {
      draft: { status: string; message: string };
    };
    expect(draft.draft.status).toBe('identified');
    const r = await app.request(`/api/incidents/${incident.id}/draft/publish`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        message: 'We found the cause: a network problem on some servers.',
        author: 'maria',
      }),
    });
    expect(r.status).toBe(201);
    const [u] = (await page(app)).incidents[0].incident_updates;
    expect(u.body).toBe('We found the cause: a network problem on some servers.');
    const again = await app.request(`/api/incidents/${incident.id}/draft/publish`, {
      method: 'POST',
      headers: json,
    });
    expect(again.status).toBe(404);
  });

  it('posts at once with --auto-publish', async () => {
    const { app } = serve(true);
    expect((await page(app)).incidents[0].incident_updates).toHaveLength(1);
  });
});

describe('POST /api/alertmanager', () => {
  it('attaches a matching alert to the incident once, and records others as actions', async () => {
    const { app, incident } = serve(true);
    const payload = {
      version: '4',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'KubeNodeNotReady', node: 'aks-1' },
          startsAt: '2024-03-06T14:00:00Z',
          fingerprint: 'a',
        },
        {
          status: 'firing',
          labels: { alertname: 'DiskFull', node: 'db-1' },
          startsAt: '2024-03-06T14:01:00Z',
          fingerprint: 'b',
        },
      ],
    };
    const post = () =>
      app.request('/api/alertmanager', { method: 'POST', headers: json, body: JSON.stringify(payload) });
    expect(await (await post()).json()).toEqual({ received: 2, attached: 1, recorded: 1, duplicates: 0 });
    expect(await (await post()).json()).toEqual({ received: 2, attached: 0, recorded: 0, duplicates: 2 });
    const i = (await (await app.request(`/api/incidents/${incident.id}`, { headers: json })).json()) as {
      timeline: { author?: string; text: string }[];
    };
    expect(i.timeline.filter((e) => e.author === 'alertmanager').map((e) => e.text)).toEqual([
      'Alertmanager: KubeNodeNotReady firing (node=aks-1)',
    ]);
    const bad = await app.request('/api/alertmanager', {
      method: 'POST',
      headers: json,
      body: '{"alerts": 3}',
    });
    expect(bad.status).toBe(400);
    expect((await app.request('/api/alertmanager', { method: 'POST', body: '{}' })).status).toBe(401);
  });
});
