/**
 * Durability under SIGKILL, on both backends: a child process (`crash-writer.ts`) writes
 * in a loop and prints what each resolved write committed; it is killed after a seeded
 * random number of lines, several rounds over one database. After each kill the store
 * must hold everything reported (a resolved write is durable) and every incident must be
 * exactly the state after one whole step (no half transaction: body, timeline and status
 * updates from the same commit, all incidents of one save together).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';
import { crashIds, crashIncident } from './crash-writer.ts';
import { openPostgresStore } from './postgres-store.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { IncidentStore } from './store.ts';

const writer = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));
const INCIDENTS = 4;
const ROUNDS = 6;

/** mulberry32: a small seeded generator, so a failing kill schedule can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Round {
  /** Steps the child reported committed, in order. */
  reported: number[];
  signal: NodeJS.Signals | null;
  code: number | null;
  stderr: string;
}

/** Lets `turns` turns of the event loop pass (no timers: the kill point is spread, not timed). */
async function spin(turns: number): Promise<void> {
  for (let k = 0; k < turns; k++) await new Promise((r) => setImmediate(r));
}

/**
 * Runs the writer until it has printed `killAfter` lines, then, after `turns` turns of the
 * event loop, SIGKILLs it. Killing at once would nearly always land before the next
 * write's first statement reaches the database; the extra turns spread the kill across
 * the whole transaction.
 */
function runWriter(args: string[], killAfter: number, turns: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const reported: number[] = [];
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // Lines still in the pipe after the kill were committed too: read until stdout closes.
    createInterface({ input: child.stdout }).on('line', (line) => {
      reported.push(Number(line));
      if (reported.length === killAfter) void spin(turns).then(() => child.kill('SIGKILL'));
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ reported, signal, code, stderr }));
  });
}

function describeCrash(backend: 'sqlite' | 'postgres', seed: number): void {
  describe(`${backend} store killed mid-write`, () => {
    let target = '';
    let cleanup: () => Promise<void> = async () => {};
    const cluster = `crash-${backend}`;
    const open = (): Promise<IncidentStore> =>
      backend === 'postgres'
        ? openPostgresStore({ url: target, cluster })
        : Promise.resolve(openSqliteStore({ dataDir: target, cluster }));

    beforeAll(async () => {
      if (backend === 'postgres') {
        const pg: TestPostgres = await startPostgres();
        target = await pg.createDatabase();
        cleanup = () => pg.stop();
      } else {
        target = mkdtempSync(join(tmpdir(), 'kubetriage-crash-'));
        cleanup = async () => rmSync(target, { recursive: true, force: true });
      }
    });
    afterAll(async () => cleanup());

    it(`keeps every reported write and no half transaction (seed ${seed})`, async () => {
      const rand = seeded(seed);
      let lastReported = -1;
      for (let round = 0; round < ROUNDS; round++) {
        const killAfter = 1 + Math.floor(rand() * 30);
        const turns = Math.floor(rand() * 400);
        const r = await runWriter([backend, target, cluster, String(INCIDENTS)], killAfter, turns);
        const ctx = `round ${round}, killed ${turns} turns after ${killAfter} lines, stderr: ${r.stderr}`;
        expect(r.signal, ctx).toBe('SIGKILL');
        expect(r.reported.length, ctx).toBeGreaterThanOrEqual(killAfter);
        lastReported = Math.max(lastReported, ...r.reported);

        const store = await open();
        try {
          const stored = await store.listIncidents();
          expect(stored.map((i) => i.id).sort(), ctx).toEqual(crashIds(INCIDENTS));
          const step = stored[0].timeline.length - 1;
          // Everything reported is there; at most the one write in flight went further.
          expect(step, ctx).toBeGreaterThanOrEqual(lastReported);
          expect(step, ctx).toBeLessThanOrEqual(lastReported + 1);
          // Each incident is exactly the state after that step: all of one save, nothing of the next.
          for (const i of stored) expect(i, `${ctx}, ${i.id}`).toStrictEqual(crashIncident(i.id, step));
          // Actions: each reported step's is there, and none twice.
          const steps = (await store.listActions()).map((a) => Number(a.text.replace('step ', '')));
          expect(new Set(steps).size, ctx).toBe(steps.length);
          for (const s of r.reported) expect(steps, ctx).toContain(s);
        } finally {
          await store.close();
        }
      }
      // The rounds really did build on each other.
      expect(lastReported).toBeGreaterThanOrEqual(ROUNDS - 1);
    });
  });
}

describeCrash('sqlite', 0x5eed_0001);
describeCrash('postgres', 0x5eed_0002);
