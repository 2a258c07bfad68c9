/**
 * `POST /api/alertmanager`: Alertmanager's webhook receiver (authenticated like the rest
 * of the API: `http_config.authorization.credentials` in Alertmanager's webhook_config).
 * Each alert goes onto the matching open incident's timeline as a note by `alertmanager`,
 * or onto the record as an action outside any incident (alertmanager-intake.ts).
 */
import type { Hono } from 'hono';
import type { Clock } from '../time/clock.ts';
import { alertmanagerPayload, alertNotes } from './alertmanager-intake.ts';
import type { IncidentDesk } from './desk.ts';

/** Alerts already recorded, so Alertmanager's repeats (every repeat_interval) add nothing. */
const seenLimit = 10_000;

export function mountAlertmanagerRoutes(app: Hono, o: { desk: IncidentDesk; clock: Clock }): void {
  const seen = new Set<string>();
  app.post('/api/alertmanager', async (c) => {
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      return c.json(
        { error: 'the body is not valid JSON', hint: 'point an Alertmanager webhook_config here' },
        400,
      );
    }
    const parsed = alertmanagerPayload.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return c.json(
        {
          error: `${issue.path.join('.') || 'body'}: ${issue.message}`,
          hint: 'expected Alertmanager webhook payload version 4',
        },
        400,
      );
    }
    const open = await o.desk.incidents({ status: 'open' });
    const notes = alertNotes(parsed.data, open, o.clock.now());
    // The token the receiver posts with: the record can tell two Alertmanagers apart.
    const via = c.get('tokenName');
    const by = { author: 'alertmanager', ...(via ? { via } : {}) };
    let attached = 0;
    let recorded = 0;
    for (const n of notes) {
      if (seen.has(n.key)) continue;
      if (seen.size >= seenLimit) seen.clear();
      seen.add(n.key);
      if (n.incidentId) {
        o.desk.note(n.incidentId, n.text, { atMs: n.atMs, ...by });
        attached++;
      } else {
        await o.desk.addAction(n.text, { atMs: n.atMs, ...by });
        recorded++;
      }
    }
    return c.json(
      { received: notes.length, attached, recorded, duplicates: notes.length - attached - recorded },
      202,
    );
  });
}
