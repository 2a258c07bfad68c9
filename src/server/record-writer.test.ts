/**
 * The record writer on a real (SQLite) store whose writes can be made to fail, on a manual
 * clock: nothing handed in is lost or doubled across an outage, the backlog is written by
 * the retry timer alone, and `durable()` never resolves for what the store does not hold.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hypothesis, incident, t0 } from '../incident/fixtures.ts';
import { openSqliteStore } from '../incident/store/sqlite-store.ts';
import { type IncidentStore, StoreUnavailableError } from '../incident/store/store.ts';
import { ManualClock } from '../time/manual-clock.ts';
import { RecordWriter } from './record-writer.ts';

let dir: string;
let store: IncidentStore;
let clock: ManualClock;
let down: boolean;
let writer: RecordWriter;

/** Lets pending promise callbacks run (the writer's store calls resolve on later ticks). */
const settle = () => new Promise((r) => setTimeout(r, 20));

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kt-writer-'));
  const real = await openSqliteStore({ dataDir: dir, cluster: 'test' });
  down = false;
  // The store's writes refuse while `down`, as PostgreSQL's do while it restarts; reads work.
  const writes = new Set(['saveIncidents', 'addAction', 'saveFindings']);
  store = new Proxy(real, {
    get(target, name, receiver) {
      const v = Reflect.get(target, name, receiver);
      if (typeof v !== 'function') return v;
      const method = v.bind(target);
      if (!writes.has(String(name))) return method;
      return async (...args: unknown[]) => {
        if (down) throw new StoreUnavailableError('connect ECONNREFUSED 127.0.0.1:5432');
        return method(...args);
      };
    },
  });
  clock = new ManualClock(t0);
  writer = new RecordWriter({ store, retry: { clock, firstMs: 100, maxMs: 400 } });
});

afterEach(async () => {
  writer.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('RecordWriter', () => {
  it('keeps what the store refused, in order, and writes it once by the retry timer alone', async () => {
    const i = incident();
    writer.saveIncidents([i]);
    await writer.durable();
    down = true;
    i.timeline.push({ atMs: t0 + 1, kind: 'note', text: 'during', author: 'alice' });
    writer.saveIncidents([i]);
    writer.addAction({ atMs: t0 + 2, author: 'bob', text: 'first' });
    writer.addAction({ atMs: t0 + 3, author: 'bob', text: 'second' });
    writer.saveFindings([hypothesis({ pattern: 'crash-loop', clusterLevel: false })], t0 + 4);
    await settle();
    expect(writer.error).toContain('ECONNREFUSED');
    expect(writer.backlog).toBe(4);
    await expect(writer.durable()).rejects.toBeInstanceOf(StoreUnavailableError);
    // Backoff: 100 ms, then 200, then 400, 400: still down, nothing lost.
    for (const ms of [100, 200, 400]) {
      clock.advance(ms);
      await settle();
    }
    expect(writer.backlog).toBe(4);
    down = false;
    clock.advance(400);
    await settle();
    expect(writer.error).toBeUndefined();
    expect(writer.backlog).toBe(0);
    await writer.durable();
    expect((await store.getIncident(i.id))?.timeline.map((e) => e.text)).toEqual(
      i.timeline.map((e) => e.text),
    );
    expect((await store.listActions()).map((a) => a.text)).toEqual(['first', 'second']);
    expect(await store.listFindings()).toHaveLength(1);
  });

  it('answers durable() only once a change made during a write is itself written', async () => {
    const i = incident();
    writer.saveIncidents([i]);
    const first = writer.durable();
    i.timeline.push({ atMs: t0 + 1, kind: 'note', text: 'while writing', author: 'alice' });
    writer.saveIncidents([i]);
    const second = writer.durable();
    await Promise.all([first, second]);
    expect((await store.getIncident(i.id))?.timeline.at(-1)?.text).toBe('while writing');
    expect(writer.backlog).toBe(0);
  });
});
