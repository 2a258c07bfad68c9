/**
 * Which sources delivered: one `source-status` signal per family of sources (each watched
 * resource, the API probes, the kube-proxy and ingress scrapes, component logs, the node
 * agent). Patterns read an absence as evidence only where the source that would show the
 * thing was fresh, and say "not checked" where it was not. Never trouble by itself.
 *
 * - A reflector is fresh unless it is failing now (a quiet watch is not a failure: the
 *   reflector's own watchdog reports one that died) and stale while it fails.
 * - A family none of whose sources delivered, refused with 403, is forbidden: kubetriage's
 *   role does not grant it (the opt-in proxy scrapes), which says nothing of the cluster.
 * - Probes (of the API and of public URLs), scrapes and log tails are fresh when any source
 *   of the family delivered within 5 minutes (the slowest cadence is kube-proxy's 30 s scrape; logs of quiet pods come
 *   and go).
 * - The agent is fresh when any node carries one of its conditions with a heartbeat newer
 *   than agentStaleMs (node-agent.ts); never when no node carries any.
 */
import { agentConditionTypes } from '../kube/node-agent-conditions.ts';
import type { SourceStatus } from '../observe/cluster-view.ts';
import { agentStaleMs } from './node-agent.ts';
import type { NodeObject } from './node-attributes.ts';
import type { Detector, Signal } from './signal.ts';
import { type SourceFamily, sourceFamilies } from './signal-kinds.ts';
import { isoSeconds, timeMs } from './timestamps.ts';

const detector = 'source-status';
const recentMs = 5 * 60_000;

const prefixes: Partial<Record<SourceFamily, string[]>> = {
  probe: ['probe/'],
  'metrics/kube-proxy': ['metrics/kube-proxy/'],
  'metrics/kube-apiserver': ['metrics/kube-apiserver'],
  'metrics/ingress': ['metrics/ingress-nginx/', 'metrics/ingress-envoy/'],
  logs: ['logs/'],
  'probe-url': ['probe-url/'],
  'metrics/nodes': ['metrics/nodes'],
  tls: ['tls/'],
  'probe-write': ['probe-write/'],
};

function summed(
  family: SourceFamily,
  records: SourceStatus[],
  nowMs: number,
): Omit<Signal & { kind: 'source-status' }, 'detector' | 'kind'> | undefined {
  if (records.length === 0) return undefined;
  const fresh = records.filter(
    (r) => r.lastOkMs !== undefined && r.failingSinceMs === undefined && nowMs - r.lastOkMs <= recentMs,
  );
  const failing = records.filter((r) => r.failingSinceMs !== undefined);
  // Refused with 403 (the opt-in proxy role not granted): no data, and no sign of trouble.
  const state = fresh.length
    ? 'fresh'
    : records.some((r) => r.forbidden)
      ? 'forbidden'
      : records.some((r) => r.lastOkMs !== undefined)
        ? 'stale'
        : 'never';
  const last = failing.sort((a, b) => (b.failingSinceMs ?? 0) - (a.failingSinceMs ?? 0))[0];
  const staleSince = Math.min(...records.map((r) => r.staleSinceMs ?? r.lastOkMs ?? nowMs));
  return {
    subject: `source/${family}`,
    severity: 'info',
    sinceMs: state === 'fresh' ? Math.min(...fresh.map((r) => r.lastOkMs ?? nowMs)) : staleSince,
    summary: `${family}: ${state}${state === 'fresh' ? ` (${fresh.length} of ${records.length} delivering)` : ''}${state === 'forbidden' ? " (not granted to kubetriage's role)" : ''}${last?.lastError ? `; last error: ${last.lastError.slice(0, 160)}` : ''}`,
    scope: {},
    facts: {
      source: family,
      state,
      failures: records.reduce((s, r) => s + r.failures, 0),
      lastError: last?.lastError ?? '',
      ...(state === 'fresh' ? {} : { staleSinceMs: staleSince }),
    },
    evidence: [],
  };
}

function agentStatus(nodes: NodeObject[], nowMs: number) {
  const types = new Set<string>(agentConditionTypes);
  let newest: number | undefined;
  for (const n of nodes)
    for (const c of n.status?.conditions ?? []) {
      if (!types.has(c.type)) continue;
      const beat = timeMs(c.lastHeartbeatTime);
      if (beat !== undefined && (newest === undefined || beat > newest)) newest = beat;
    }
  if (newest === undefined) return { state: 'never' as const, lastOkMs: undefined };
  return {
    state: nowMs - newest <= agentStaleMs ? ('fresh' as const) : ('stale' as const),
    lastOkMs: newest,
  };
}

export const sourceStatus: Detector = (view, nowMs) => {
  const records = view.freshness(nowMs, Number.POSITIVE_INFINITY);
  const out: Signal[] = [];
  for (const family of sourceFamilies) {
    let s: ReturnType<typeof summed>;
    if (family === 'agent') {
      const a = agentStatus(view.list('nodes') as NodeObject[], nowMs);
      s = {
        subject: 'source/agent',
        severity: 'info',
        sinceMs: a.lastOkMs ?? nowMs,
        summary: `agent: ${a.state}${a.lastOkMs !== undefined ? ` (newest heartbeat ${isoSeconds(a.lastOkMs)})` : ' (no node carries its conditions)'}`,
        scope: {},
        facts: {
          source: family,
          state: a.state,
          failures: 0,
          lastError: '',
          ...(a.state === 'stale' && a.lastOkMs !== undefined ? { staleSinceMs: a.lastOkMs } : {}),
        },
        evidence: [],
      };
    } else {
      const prefix = prefixes[family];
      const mine = records.filter((r) =>
        prefix ? prefix.some((x) => r.source.startsWith(x)) : r.source === family,
      );
      // A quiet watch is no failure: a reflector that is not failing now counts as delivering.
      const delivering = prefix
        ? mine
        : mine.map((r) => ({
            ...r,
            lastOkMs: r.failingSinceMs === undefined && r.lastOkMs !== undefined ? nowMs : r.lastOkMs,
          }));
      s = summed(family, delivering, nowMs) ?? {
        subject: `source/${family}`,
        severity: 'info',
        sinceMs: nowMs,
        summary: `${family}: never (no such source ran)`,
        scope: {},
        facts: { source: family, state: 'never', failures: 0, lastError: '' },
        evidence: [],
      };
    }
    out.push({ detector, kind: 'source-status', ...s } as Signal);
  }
  return out;
};
