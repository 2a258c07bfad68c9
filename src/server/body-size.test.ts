import { beforeEach, describe, expect, it } from 'vitest';
import { t0 } from '../incident/fixtures.ts';
import type { Incident } from '../incident/incident.ts';
import { IncidentTracker } from '../incident/tracker.ts';
import { ManualClock } from '../time/manual-clock.ts';
import { createApp } from './app.ts';
import { maxBodyBytes } from './body-size.ts';
import { IncidentDesk } from './desk.ts';
import { openIncident } from './fixtures.ts';

const token = 'test-token-0123456789abcdef';
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

let app: ReturnType<typeof createApp>;
let incident: Incident;

beforeEach(() => {
  const clock = new ManualClock(t0);
  const tracker = new IncidentTracker();
  const desk = new IncidentDesk({ tracker });
  incident = openIncident({ desk, tracker, clock });
  app = createApp({ desk, clock, token, cluster: 'test', pageName: 'Test', findings: () => [] });
});

/** A JSON note padded to `bytes`, as one string. */
const noteOf = (bytes: number) => {
  const shell = JSON.stringify({ text: '' });
  return JSON.stringify({ text: 'x'.repeat(bytes - shell.length) });
};

/** A body of `total` bytes in 64 KiB chunks, with no length known up front; counts what was read. */
function chunked(total: number) {
  const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
  const read = { bytes: 0 };
  const body = new ReadableStream<Uint8Array>({
    pull(ctl) {
      if (read.bytes >= total) return ctl.close();
      read.bytes += chunk.length;
      ctl.enqueue(chunk);
    },
  });
  return { body, read };
}

describe('the API reads at most 1 MiB of a body', () => {
  it.each(['/api/incidents/INC/notes', '/api/alertmanager'])(
    'refuses 2 MiB sent to %s with 413 and a JSON error',
    async (path) => {
      const body = noteOf(2 * maxBodyBytes);
      const r = await app.request(path.replace('INC', incident.id), {
        method: 'POST',
        headers: { ...headers, 'content-length': String(body.length) },
        body,
      });
      expect(r.status).toBe(413);
      expect(await r.json()).toMatchObject({ error: 'the request body is larger than 1 MiB' });
    },
  );

  it('takes a note of normal size, and reads a body just under the limit to the end', async () => {
    const post = (body: string) =>
      app.request(`/api/incidents/${incident.id}/notes`, { method: 'POST', headers, body });
    expect((await post(JSON.stringify({ text: 'drained aks-1' }))).status).toBe(201);
    // Read and parsed: what refuses it is the note's own 10,000-character cap, not the size limit.
    const near = await post(noteOf(maxBodyBytes));
    expect(near.status).toBe(400);
    expect(((await near.json()) as { error: string }).error).toMatch(/^text: /);
  });

  it('stops reading a chunked body without Content-Length once it passes 1 MiB', async () => {
    const { body, read } = chunked(64 * maxBodyBytes);
    const r = await app.request('/api/alertmanager', {
      method: 'POST',
      headers,
      body,
      duplex: 'half',
    } as RequestInit);
    expect(r.status).toBe(413);
    expect(((await r.json()) as { error: string }).error).toContain('larger than 1 MiB');
    expect(read.bytes).toBeLessThan(maxBodyBytes + 3 * 64 * 1024);
  });
});
