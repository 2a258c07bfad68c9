/**
 * Scheduled maintenance through the API, as Statuspage's scheduled incidents:
 * `GET /api/maintenances`, `GET /api/maintenances/ID`,
 * `POST /api/maintenances {name, scheduledFor, scheduledUntil, components, message?, autoStart?, autoComplete?}`
 * and `POST /api/maintenances/ID/updates {status?, message?}` (a word, a move, or both).
 * Behind the token and the durable-write middleware like every change (app.ts); the book
 * writes each change to the store before it answers.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { maintenanceStatuses } from '../incident/maintenance.ts';
import { componentNames } from '../publish/public-words.ts';
import type { Clock } from '../time/clock.ts';
import type { MaintenanceBook } from './maintenance-book.ts';
import { fail, jsonBody, requestAuthor } from './request-input.ts';
import { authorName, freeText } from './text-input.ts';
import { rfc3339Ms } from './time-input.ts';

const instant = z
  .string()
  .refine((s) => rfc3339Ms(s) !== undefined, 'must be an RFC 3339 time, e.g. 2024-03-06T14:00:00Z')
  .transform((s) => rfc3339Ms(s) as number);

export const maintenanceInput = z.object({
  name: freeText(200),
  scheduledFor: instant,
  scheduledUntil: instant,
  components: z.array(z.enum(componentNames)).min(1).max(componentNames.length),
  message: freeText(5_000).optional(),
  /** Statuspage's scheduled_auto_in_progress: start at scheduledFor by itself (default yes). */
  autoStart: z.boolean().optional(),
  /** Statuspage's scheduled_auto_completed: complete at scheduledUntil by itself (default yes). */
  autoComplete: z.boolean().optional(),
  author: authorName.optional(),
});

export const maintenanceUpdateInput = z
  .object({
    status: z.enum(maintenanceStatuses).optional(),
    message: freeText(5_000).optional(),
    author: authorName.optional(),
  })
  .refine((b) => b.status !== undefined || b.message !== undefined, 'send a status, a message or both');

/** How far ahead a window may be announced: a year covers any plan people keep. */
const aheadMs = 366 * 86_400_000;

export function mountMaintenanceRoutes(app: Hono, o: { book: MaintenanceBook; clock: Clock }): void {
  const { book, clock } = o;
  const maintenanceOr404 = (id: string) =>
    book.get(id) ?? fail(404, `no maintenance ${id}`, 'GET /api/maintenances lists them');

  app.get('/api/maintenances', (c) => c.json({ maintenances: book.list() }));
  app.get('/api/maintenances/:id', (c) => c.json(maintenanceOr404(c.req.param('id'))));
  app.post('/api/maintenances', async (c) => {
    const b = await jsonBody(c.req.raw, maintenanceInput);
    const now = clock.now();
    if (b.scheduledUntil <= b.scheduledFor)
      fail(400, 'scheduledUntil: must be after scheduledFor', 'the window ends after it starts');
    if (b.scheduledUntil <= now)
      fail(400, 'scheduledUntil: the window has already ended', 'schedule a window that is still to come');
    if (b.scheduledFor > now + aheadMs) fail(400, 'scheduledFor: must be within a year from now');
    const m = await book.schedule({
      name: b.name,
      scheduledForMs: b.scheduledFor,
      scheduledUntilMs: b.scheduledUntil,
      components: [...new Set(b.components)],
      message: b.message,
      autoStart: b.autoStart ?? true,
      autoComplete: b.autoComplete ?? true,
      atMs: now,
      ...requestAuthor(b.author, c),
    });
    return c.json({ maintenance: m }, 201);
  });
  app.post('/api/maintenances/:id/updates', async (c) => {
    const b = await jsonBody(c.req.raw, maintenanceUpdateInput);
    const m = maintenanceOr404(c.req.param('id'));
    if (m.status === 'completed')
      fail(409, `${m.id} is completed`, 'schedule a new maintenance for more work');
    if (b.status === 'scheduled' && m.status !== 'scheduled')
      fail(409, `${m.id} has started: it cannot go back to scheduled`, 'complete it, and schedule another');
    const next = await book.post(m.id, {
      status: b.status,
      message: b.message,
      atMs: clock.now(),
      ...requestAuthor(b.author, c),
    });
    return c.json({ maintenance: next }, 201);
  });
}
