/**
 * A postmortem's action items over the API: `GET /api/incidents/ID/action-items` (the stored
 * items, and the diagnosis's suggestions not yet accepted), `POST` one, `PATCH
 * …/action-items/N` to change its text, type, owner, due date or status (`null` clears owner
 * or due date), `DELETE …/action-items/N`. Every change names its author the way notes do:
 * the body's `author` or X-Kubetriage-User as claimed, the token's name as `via`.
 *
 * Mounted inside createApp (app.ts), behind its token check, body limit and durable-writes
 * middleware, and with its error style.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import {
  type ActionItemChange,
  actionItemStatuses,
  actionItemTypes,
  suggestedActionItems,
} from '../incident/action-items.ts';
import type { Incident } from '../incident/incident.ts';
import type { Clock } from '../time/clock.ts';
import type { IncidentDesk } from './desk.ts';
import { fail, jsonBody, requestAuthor } from './request-input.ts';
import { authorName, freeText } from './text-input.ts';
import { isRfc3339Date } from './time-input.ts';

const text = freeText(1_000);
const owner = authorName;
const dueDate = z.string().refine(isRfc3339Date, 'must be an RFC 3339 date, e.g. 2024-03-31');

export const newActionItemInput = z.object({
  text,
  type: z.enum(actionItemTypes).default('prevent'),
  owner: owner.optional(),
  dueDate: dueDate.optional(),
  status: z.enum(actionItemStatuses).optional(),
  author: authorName.optional(),
});

export const actionItemChangeInput = z
  .object({
    text: text.optional(),
    type: z.enum(actionItemTypes).optional(),
    owner: owner.nullable().optional(),
    dueDate: dueDate.nullable().optional(),
    status: z.enum(actionItemStatuses).optional(),
    author: authorName.optional(),
  })
  .refine(
    (c) => ['text', 'type', 'owner', 'dueDate', 'status'].some((k) => k in c),
    'give at least one of text, type, owner, dueDate, status',
  );

export interface ActionItemRouteOptions {
  desk: IncidentDesk;
  clock: Clock;
  incidentOr404(id: string): Promise<Incident>;
}

export function mountActionItemRoutes(app: Hono, o: ActionItemRouteOptions): void {
  const { desk } = o;
  const itemId = (c: Context) => {
    const n = Number(c.req.param('item'));
    return Number.isSafeInteger(n) && n > 0
      ? n
      : fail(400, `no action item "${c.req.param('item')}"`, 'items are numbered: GET …/action-items');
  };
  const missing = (id: string, n: number): never =>
    fail(404, `${id} has no action item ${n}`, `GET /api/incidents/${id}/action-items lists them`);

  app.get('/api/incidents/:id/action-items', async (c) => {
    const i = await o.incidentOr404(c.req.param('id'));
    const items = await desk.actionItems(i.id);
    return c.json({ id: i.id, items, suggestions: suggestedActionItems(i, items) });
  });
  app.post('/api/incidents/:id/action-items', async (c) => {
    const b = await jsonBody(c.req.raw, newActionItemInput);
    const i = await o.incidentOr404(c.req.param('id'));
    const item = await desk.addActionItem({
      incidentId: i.id,
      text: b.text,
      type: b.type,
      owner: b.owner,
      dueDate: b.dueDate,
      status: b.status,
      atMs: o.clock.now(),
      ...requestAuthor(b.author, c),
    });
    return c.json({ item }, 201);
  });
  app.patch('/api/incidents/:id/action-items/:item', async (c) => {
    const b = await jsonBody(c.req.raw, actionItemChangeInput);
    const i = await o.incidentOr404(c.req.param('id'));
    const n = itemId(c);
    const { author, ...fields } = b;
    const change: ActionItemChange = { ...fields, atMs: o.clock.now(), ...requestAuthor(author, c) };
    const item = (await desk.updateActionItem(i.id, n, change)) ?? missing(i.id, n);
    return c.json({ item });
  });
  app.delete('/api/incidents/:id/action-items/:item', async (c) => {
    const i = await o.incidentOr404(c.req.param('id'));
    const n = itemId(c);
    if (!(await desk.deleteActionItem(i.id, n))) missing(i.id, n);
    return c.body(null, 204);
  });
}
