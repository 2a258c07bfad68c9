/**
 * Status-page subscribers through the API: `GET /api/subscribers` (webhook URLs cut to
 * their host: the rest may be a secret), `POST /api/subscribers {"kind": "webhook", "url"}`
 * or `{"kind": "email", "email"}`, and `DELETE /api/subscribers/ID`. Behind the token and
 * the durable-write middleware like every change (app.ts); the book writes to the store
 * before it answers.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { Clock } from '../time/clock.ts';
import { fail, jsonBody, requestAuthor } from './request-input.ts';
import { type SubscriberBook, subscriberListing } from './subscriber-book.ts';
import { authorName } from './text-input.ts';

const httpUrl = z
  .string()
  .trim()
  .max(2_000)
  .refine((s) => {
    const u = URL.parse(s);
    return u !== null && (u.protocol === 'http:' || u.protocol === 'https:');
  }, 'must be an http:// or https:// URL');

/**
 * An address sendmail can take from a `To:` line: local@domain, no spaces, quotes, angle
 * brackets, commas or line breaks (one recipient, and nothing that could add a header).
 */
const mailbox = z
  .string()
  .trim()
  .max(254)
  .regex(
    /^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+\.[^\s@<>(),;:"\\[\]]+$/,
    'must be an e-mail address like ops@example.com',
  );

export const subscriberInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('webhook'), url: httpUrl, author: authorName.optional() }),
  z.object({ kind: z.literal('email'), email: mailbox, author: authorName.optional() }),
]);

export function mountSubscriberRoutes(
  app: Hono,
  o: { book: SubscriberBook; clock: Clock; mailConfigured: boolean },
): void {
  app.get('/api/subscribers', (c) =>
    c.json({ subscribers: o.book.list().map(subscriberListing), email: o.mailConfigured }),
  );
  app.post('/api/subscribers', async (c) => {
    const b = await jsonBody(c.req.raw, subscriberInput);
    if (b.kind === 'email' && !o.mailConfigured)
      fail(
        409,
        'serve sends no e-mail',
        'start serve with --subscriber-mail-command "/usr/sbin/sendmail -t -i"',
      );
    const s = await o.book.add({
      kind: b.kind,
      endpoint: b.kind === 'webhook' ? b.url : b.email,
      atMs: o.clock.now(),
      author: requestAuthor(b.author, c).author,
    });
    return c.json({ subscriber: subscriberListing(s) }, 201);
  });
  app.delete('/api/subscribers/:id', async (c) =>
    (await o.book.remove(c.req.param('id')))
      ? c.body(null, 204)
      : fail(404, `no subscriber ${c.req.param('id')}`, 'GET /api/subscribers lists them'),
  );
}
