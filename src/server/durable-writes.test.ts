import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { IncidentDesk } from './desk.ts';
import { durableWrites } from './durable-writes.ts';

describe('durable writes: a resent request gets the first answer', () => {
  it('replays an answer without a body (204) as one', async () => {
    const desk = { storeError: undefined, durable: async () => {} } as unknown as IncidentDesk;
    let deletes = 0;
    const app = new Hono();
    app.use('*', durableWrites(desk));
    app.delete('/thing', (c) => (++deletes === 1 ? c.body(null, 204) : c.json({ error: 'gone' }, 404)));
    const del = () => app.request('/thing', { method: 'DELETE', headers: { 'idempotency-key': 'k1' } });
    expect((await del()).status).toBe(204);
    const again = await del();
    expect(again.status).toBe(204);
    expect(await again.text()).toBe('');
    expect(deletes).toBe(1);
  });
});
