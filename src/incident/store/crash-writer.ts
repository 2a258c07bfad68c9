/**
 * The child process of the crash test (`crash.test.ts`): opens a store and writes as fast
 * as it can, printing one line per write whose promise resolved, until the parent kills
 * it with SIGKILL somewhere in the middle of one.
 *
 *   node crash-writer.ts <sqlite|postgres> <dataDir|url> <cluster> <incidents>
 *
 * Every step saves all incidents in one call, each grown by one timeline entry (and every
 * third step a status update), then records an action, then prints the step number. The
 * state after step `s` is a pure function of (id, s) — `crashIncident` — so the parent can
 * check any stored incident against exactly what a whole transaction would have left.
 * A restarted writer carries on from what the store holds.
 */
import { fileURLToPath } from 'node:url';
import type { Incident, StatusUpdate, TimelineEntry } from '../incident.ts';
import { openPostgresStore } from './postgres-store.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { IncidentStore } from './store.ts';

const T0 = Date.UTC(2024, 0, 1);
const statuses = ['investigating', 'identified', 'monitoring'] as const;

export const crashIds = (n: number): string[] =>
  Array.from({ length: n }, (_, k) => `INC-${String(k + 1).padStart(4, '0')}`);

/** The incident `id` as it is after step `s` (its timeline then has s + 1 entries). */
export function crashIncident(id: string, s: number): Incident {
  const timeline: TimelineEntry[] = Array.from({ length: s + 1 }, (_, k) => ({
    atMs: T0 + k * 1000,
    kind: k === 0 ? 'opened' : 'signal',
    text: `${id} step ${k}`,
  }));
  const updates: StatusUpdate[] = Array.from({ length: Math.floor(s / 3) + 1 }, (_, k) => ({
    atMs: T0 + k * 3000,
    status: statuses[k % 3],
    message: `${id} update ${k}`,
    author: 'kubetriage',
  }));
  return {
    id,
    family: 'nodes',
    status: statuses[Math.floor(s / 3) % 3],
    severity: 'critical',
    openedAtMs: T0,
    // The body says which step it belongs to, so a body from one transaction and a
    // timeline from another cannot pass for a consistent incident.
    updatedAtMs: T0 + s * 1000,
    top: {
      pattern: 'node-network',
      title: 'Nodes lost their network',
      statement: `step ${s}`,
      confidence: 0.8,
      severity: 'critical',
      clusterLevel: true,
      sinceMs: T0,
      supporting: [{ source: 'object', ref: 'node/a', text: `seen at step ${s}` }],
      contradicting: [],
      ruledOut: [],
      blastRadius: { nodes: ['a'] },
      nextSteps: [],
      runbooks: [],
      prevention: [],
      signals: [],
    },
    topSince: { 'node-network': T0 },
    timeline,
    updates,
    signals: [`step ${s}`],
  };
}

async function main(argv: string[]): Promise<void> {
  const [backend, target, cluster, count] = argv;
  const store: IncidentStore =
    backend === 'postgres'
      ? await openPostgresStore({ url: target, cluster })
      : openSqliteStore({ dataDir: target, cluster });
  const ids = crashIds(Number(count));
  const stored = await store.getIncident(ids[0]);
  const first = stored ? stored.timeline.length : 0;
  // Bounded, so a parent that fails to kill it does not leave it writing forever.
  for (let s = first; s < first + 2000; s++) {
    await store.saveIncidents(ids.map((id) => crashIncident(id, s)));
    await store.addAction({ atMs: T0 + s * 1000, author: 'crash-writer', text: `step ${s}` });
    process.stdout.write(`${s}\n`);
  }
  await store.close();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`crash-writer: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
