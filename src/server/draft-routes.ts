/**
 * The status page's drafts: kubetriage writes the public update for each status change,
 * and (unless serve runs with --auto-publish) a person publishes it, as written or edited,
 * or discards it. `GET /api/incidents/ID/draft`, `POST …/draft/publish {message?, author?}`,
 * `DELETE …/draft`.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { Clock } from '../time/clock.ts';
import { rfc3339 } from '../time/clock.ts';
import { claimedAuthor } from './api-input.ts';
import type { IncidentDesk } from './desk.ts';
import { authorName, freeText } from './text-input.ts';

const publishInput = z.object({
  message: freeText(5_000).optional(),
  author: authorName.optional(),
});

export function mountDraftRoutes(app: Hono, o: { desk: IncidentDesk; clock: Clock }): void {
  app.get('/api/incidents/:id/draft', (c) => {
    const d = o.desk.draft(c.req.param('id'));
    return c.json({
      autoPublish: o.desk.autoPublish,
      draft: d ? { status: d.status, message: d.message, writtenAt: rfc3339(d.atMs) } : null,
    });
  });
  app.post('/api/incidents/:id/draft/publish', async (c) => {
    let raw: unknown = {};
    const text = await c.req.text();
    if (text.trim()) {
      try {
        raw = JSON.parse(text);
      } catch {
        return c.json({ error: 'the body is not valid JSON' }, 400);
      }
    }
    const b = publishInput.safeParse(raw);
    if (!b.success)
      return c.json({ error: `${b.error.issues[0].path.join('.')}: ${b.error.issues[0].message}` }, 400);
    const id = c.req.param('id');
    const who = claimedAuthor(b.data.author, c.req.header('x-kubetriage-user'));
    if ('error' in who) return c.json({ error: who.error }, 400);
    const via = c.get('tokenName');
    const i = o.desk.publishDraft(id, {
      atMs: o.clock.now(),
      author: who.author,
      ...(via ? { via } : {}),
      message: b.data.message,
    });
    if (!i) return c.json({ error: `no draft update for ${id}`, hint: 'POST …/updates to write one' }, 404);
    return c.json({ id: i.id, status: i.status, updates: i.updates.slice(-1) }, 201);
  });
  app.delete('/api/incidents/:id/draft', (c) =>
    o.desk.discardDraft(c.req.param('id')) ? c.body(null, 204) : c.json({ error: 'no draft' }, 404),
  );
}
