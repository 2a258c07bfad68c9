/**
 * Draining one node the way `kubectl drain` does (cordon first, then evict every pod but
 * DaemonSet and mirror pods through the eviction API, retrying 429s every 5 s), with two
 * differences that answer kured's long-standing complaints. A budget that blocks a Ready
 * pod is named, with how long it has blocked, and is never forced past unless asked. A
 * budget that blocks only pods that are not Ready (the budget is already broken, often by
 * the very fault being fixed) does not deadlock the run: those pods count as unavailable
 * already, so restarting their node takes nothing healthy from the budget.
 */
import { type ApiClient, ApiRequestError } from '../kube/api-client.ts';
import type { Clock } from '../time/clock.ts';
import type { ClusterReader } from './cluster-reader.ts';
import { budgetOf, evictable, type PodFact } from './facts.ts';
import { RunbookStoppedError } from './step-events.ts';

export const evictionRetryMs = 5_000;

export interface DrainResult {
  evicted: number;
  /** Unready pods left behind because their (already broken) budget blocked them. */
  leftUnready: string[];
  /** Pods deleted past their budget (--force-drain only). */
  forced: string[];
}

export async function drainNode(o: {
  api: ApiClient;
  reader: ClusterReader;
  clock: Clock;
  node: string;
  timeoutMs: number;
  force: boolean;
  /** Called while a budget blocks a Ready pod, with who blocks and since when. */
  onBlocked: (what: string) => Promise<void>;
}): Promise<DrainResult> {
  const { api, reader, clock, node } = o;
  const deadline = clock.now() + o.timeoutMs;
  const blockedSince = new Map<string, number>();
  let evicted = 0;
  const forced: string[] = [];
  for (;;) {
    const pods = (await reader.pods(node)).filter(evictable);
    const readyBlocked: PodFact[] = [];
    const unreadyBlocked: PodFact[] = [];
    for (const p of pods) {
      const r = await evict(api, p);
      if (r === 'evicted') evicted++;
      else if (r === 'blocked') (p.ready ? readyBlocked : unreadyBlocked).push(p);
    }
    if (!readyBlocked.length) {
      await waitGone(reader, clock, node, deadline, new Set(unreadyBlocked.map(key)));
      return { evicted, leftUnready: unreadyBlocked.map(key), forced };
    }
    const pdbs = await reader.pdbs();
    const lines: string[] = [];
    for (const p of readyBlocked) {
      const b = budgetOf(p, pdbs);
      const who = b ? `${b.namespace}/${b.name}` : 'a disruption budget';
      const since = blockedSince.get(who) ?? clock.now();
      blockedSince.set(who, since);
      const detail = b ? ` (${b.currentHealthy} healthy, needs ${b.desiredHealthy})` : '';
      lines.push(
        `PodDisruptionBudget ${who}${detail} blocks eviction of ${key(p)} for ${Math.round((clock.now() - since) / 1000)}s`,
      );
    }
    if (clock.now() >= deadline) {
      if (!o.force)
        throw new RunbookStoppedError(
          'drain',
          `draining ${node} stopped: ${lines.join('; ')}; it did not yield within ${Math.round(o.timeoutMs / 60_000)}m. Let the workload recover, raise --drain-timeout, or pass --force-drain to delete past the budget`,
        );
      for (const p of readyBlocked) {
        await api.send('DELETE', `/api/v1/namespaces/${p.namespace}/pods/${p.name}`).catch(notFoundOk);
        forced.push(key(p));
      }
      continue;
    }
    await o.onBlocked(lines.join('; '));
    await clock.sleep(evictionRetryMs);
  }
}

const key = (p: PodFact) => `${p.namespace}/${p.name}`;

function notFoundOk(err: unknown): void {
  if (!(err instanceof ApiRequestError && err.status === 404)) throw err;
}

async function evict(api: ApiClient, p: PodFact): Promise<'evicted' | 'blocked' | 'gone'> {
  try {
    await api.send('POST', `/api/v1/namespaces/${p.namespace}/pods/${p.name}/eviction`, {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: p.name, namespace: p.namespace },
    });
    return 'evicted';
  } catch (err) {
    if (err instanceof ApiRequestError && err.status === 429) return 'blocked';
    if (err instanceof ApiRequestError && err.status === 404) return 'gone';
    throw err;
  }
}

/** Evicted pods terminate with their grace period; the node is restarted once they are gone. */
async function waitGone(
  reader: ClusterReader,
  clock: Clock,
  node: string,
  deadline: number,
  leftBehind: ReadonlySet<string>,
): Promise<void> {
  for (;;) {
    const left = (await reader.pods(node)).filter(
      (p) =>
        p.owner?.kind !== 'DaemonSet' &&
        !p.mirror &&
        !leftBehind.has(key(p)) &&
        p.phase !== 'Succeeded' &&
        p.phase !== 'Failed',
    );
    if (!left.length || clock.now() >= deadline) return;
    await clock.sleep(evictionRetryMs);
  }
}
