/**
 * Two `kubetriage serve --leader-elect` processes against one simulated cluster (Runway,
 * 2024, at 11:40: service routing to the API is broken) and one PostgreSQL. Only the Lease
 * holder acts: it opens the incident, notifies and writes the store; the other answers
 * /healthz as a follower and sends nothing. Kill -9 the leader: the follower takes the Lease
 * once it has stood still for its duration, restores the record, and carries on with the
 * same incident: none lost, none opened twice.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/incident/store/open-store.ts';
import { apiClientFor } from '../support/live-feed.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import { scenarioAt } from '../support/scenario-moment.ts';
import { watchServe } from '../support/serve-process.ts';
import type { SimCluster } from '../support/sim-cluster.ts';
import { eventually, waitFor } from '../support/wait-for.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'kubetriage.js');
const leaseSeconds = 4;

let pg: TestPostgres;
let databaseUrl: string;
let cluster: SimCluster;
let dir: string;
const received: { from: string; event: string; id: string }[] = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => {
    body += c;
  });
  req.on('end', () => {
    const m = JSON.parse(body) as { event: string; incident: { id: string } };
    received.push({
      from: new URL(req.url ?? '/', 'http://x').searchParams.get('from') ?? '?',
      event: m.event,
      id: m.incident.id,
    });
    res.writeHead(204).end();
  });
});
let hookBase: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  pg = await startPostgres();
  databaseUrl = await pg.createDatabase();
  cluster = await scenarioAt('runway-2024', '2024-11-22T11:40:00Z');
  dir = await mkdtemp(join(tmpdir(), 'kt-leader-'));
  await writeFile(join(dir, 'token'), 'a-token-of-at-least-16-chars\n');
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
}, 120_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  receiver.close();
  await cluster?.stop();
  await pg?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Replica {
  child: ChildProcess;
  port: () => number | undefined;
  stderr: () => string;
}

/** One serve replica; the young-generation flag is passed up front so the process is not re-spawned (kill -9 must hit serve itself). */
function replica(identity: string): Replica {
  const child = spawn(
    process.execPath,
    [
      '--max-semi-space-size=8',
      bin,
      'serve',
      '--kubeconfig',
      cluster.kubeconfig,
      '--port',
      '0',
      '--interval',
      '1',
      '--database-url',
      databaseUrl,
      '--cluster',
      'runway',
      '--token-file',
      join(dir, 'token'),
      '--notify',
      `webhook=${hookBase}?from=${identity}`,
      '--leader-elect',
      '--lease-namespace',
      'default',
      '--lease-duration',
      String(leaseSeconds),
      '--identity',
      identity,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.push(child);
  const out = watchServe(child);
  return {
    child,
    port: () => {
      const origin = out.origin();
      return origin ? Number(new URL(origin).port) : undefined;
    },
    stderr: out.stderr,
  };
}

async function health(r: Replica): Promise<{ role?: string; lastRound?: string | null } | undefined> {
  const port = r.port();
  if (!port) return undefined;
  try {
    return (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as {
      role?: string;
      lastRound?: string | null;
    };
  } catch {
    return undefined;
  }
}

/** Polls an async condition (the processes answer over HTTP). */
async function until(what: string, cond: () => Promise<boolean>, limitMs = 60_000): Promise<void> {
  await eventually(what, async () => (await cond()) || undefined, limitMs);
}

interface LeaseSpec {
  holderIdentity?: string;
  renewTime?: string;
  acquireTime?: string;
  leaseDurationSeconds?: number;
  leaseTransitions?: number;
}

async function lease(): Promise<LeaseSpec> {
  return (
    await apiClientFor(cluster).getJson<{ spec: LeaseSpec }>(
      '/apis/coordination.k8s.io/v1/namespaces/default/leases/kubetriage',
    )
  ).body.spec;
}

async function storedIncidents() {
  const store = await openStore({ databaseUrl, cluster: 'runway' });
  try {
    return await store.listIncidents();
  } finally {
    await store.close();
  }
}

describe('serve --leader-elect', () => {
  it('acts only as leader; the follower takes over after kill -9 within the lease, with no incident lost or duplicated', async () => {
    const a = replica('replica-a');
    await until('replica-a leads', async () => (await health(a))?.role === 'leader');
    const b = replica('replica-b');
    await until('replica-b answers', async () => (await health(b))?.role === 'follower');
    await until(
      'the leader opens the incident and stores it',
      async () => (await storedIncidents()).length > 0,
    );
    const before = await storedIncidents();
    await waitFor('the opening notification', () => received.some((m) => m.event === 'opened'));
    // Several rounds of the leader while the follower watches: the follower stays silent.
    const roundsFrom = (await health(a))?.lastRound;
    await until('more leader rounds', async () => (await health(a))?.lastRound !== roundsFrom);
    expect((await health(b))?.role).toBe('follower');
    expect((await health(b))?.lastRound).toBeNull();
    expect(received.filter((m) => m.from === 'replica-b')).toEqual([]);
    expect((await lease()).holderIdentity).toBe('replica-a');
    // The Service routes only to the leader, and a follower refuses changes to its record.
    const at = (r: Replica, path: string, init?: RequestInit) =>
      fetch(`http://127.0.0.1:${r.port()}${path}`, init);
    expect((await at(a, '/readyz')).status).toBe(200);
    expect((await at(b, '/readyz')).status).toBe(503);
    const note = await at(b, `/api/incidents/${before[0].id}/notes`, {
      method: 'POST',
      headers: { authorization: 'Bearer a-token-of-at-least-16-chars', 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'sent to the wrong replica' }),
    });
    expect(note.status).toBe(503);
    expect(((await note.json()) as { error: string }).error).toContain('follower');

    const lastRenewByA = Date.parse((await lease()).renewTime ?? '');
    a.child.kill('SIGKILL');
    await until('replica-b takes over', async () => (await health(b))?.role === 'leader', 30_000);
    const taken = await lease();
    expect(taken.holderIdentity).toBe('replica-b');
    expect(taken.leaseTransitions).toBe(1);
    // The takeover comes once the record stood still for the lease duration (measured on
    // the follower's clock), plus at most one follower retry (duration/6) and its poll lag.
    const gapMs = Date.parse(taken.acquireTime ?? '') - lastRenewByA;
    expect(gapMs).toBeGreaterThanOrEqual(leaseSeconds * 1000 - 1000);
    expect(gapMs).toBeLessThanOrEqual(leaseSeconds * 1000 * (1 + 1 / 3) + 1000);
    process.stderr.write(
      `leader-election: takeover ${gapMs} ms after the last renewal (lease ${leaseSeconds} s)\n`,
    );

    // The new leader carries on with the stored record.
    const roundsB = (await health(b))?.lastRound;
    await until('follower-turned-leader rounds', async () => {
      const h = await health(b);
      return !!h?.lastRound && h.lastRound !== roundsB;
    });
    await until('two more rounds', async () => (await health(b))?.lastRound !== roundsB);
    const after = await storedIncidents();
    expect(after.map((i) => i.id)).toEqual(before.map((i) => i.id));
    expect(new Set(after.map((i) => i.id)).size).toBe(after.length);
    expect(after.every((i) => i.status !== 'resolved')).toBe(true);
    expect(
      received
        .filter((m) => m.event === 'opened')
        .map((m) => m.id)
        .sort(),
    ).toEqual(before.map((i) => i.id).sort());
    expect(received.filter((m) => m.from === 'replica-b' && m.event === 'opened')).toEqual([]);

    const exited = new Promise<number | null>((r) => b.child.once('exit', (code) => r(code)));
    b.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // A clean shutdown lets go of the Lease so a successor need not wait it out.
    expect((await lease()).holderIdentity).toBe('');
  });
});
