/**
 * Evidence clauses several patterns share, written once (as Falco shares macros): the API
 * server silent for kubetriage too, node onsets at the same time of day, the affected nodes
 * sharing a version that changed just before, a source watched and quiet.
 */
import type { Signal, SignalOf } from '../../detect/signal.ts';
import type { SourceFamily } from '../../detect/signal-kinds.ts';
import type { Clause, Hit } from '../pattern.ts';
import type { SignalQuery } from '../query.ts';
import { names, said } from '../slots.ts';
import { changeAtMs } from './changes.ts';
import { type NodeTrouble, nodeTrouble } from './node-trouble.ts';

/** A hit on the given signals, or nothing when there are none. */
export function hitOn(signals: readonly (Signal | undefined)[]): Hit | undefined {
  const s = signals.filter((x): x is Signal => x !== undefined);
  return s.length ? { signals: s } : undefined;
}

/**
 * An absence as evidence: it holds when `absent` is true and the source that would have
 * shown the thing delivered; the source's status signal is what it cites.
 */
export function quietSource(q: SignalQuery, family: SourceFamily, absent: boolean): Hit | undefined {
  if (!absent) return undefined;
  const status = q.source(family);
  if (status) return status.facts.state === 'fresh' ? { signals: [status] } : undefined;
  // Fixtures without source-status signals: take the absence as seen.
  return q.of('source-status').length === 0 ? { signals: [] } : undefined;
}

export function apiSilentForUsToo(weight: number): Clause<unknown> {
  return {
    id: 'api-silent-for-kubetriage',
    weight,
    reason: 'the API server does not answer kubetriage either',
    reads: ['api-unreachable'],
    test: (_c, q) => hitOn([q.first('api-unreachable')]),
  };
}

export function sameTimeOfDay(weight: number): Clause<unknown> {
  return {
    id: 'same-time-of-day',
    weight,
    reason: 'node trouble began at the same time of day on {days} days',
    reads: ['periodic-onset'],
    test: (_c, q) => {
      const p = q.first('periodic-onset');
      return p ? { signals: [p], slots: { days: said(p.facts.days.length, p)! } } : undefined;
    },
  };
}

/** Node version changes (kernel, OS image, kubelet, runtime) that touched `nodes` before `onsetMs`. */
export function nodeVersionChangesOn(
  q: SignalQuery,
  nodes: ReadonlySet<string>,
  onsetMs: number,
  withinMs: number,
) {
  return q
    .of('change')
    .filter(
      (c) =>
        ['node-kernel', 'node-os', 'node-version', 'node-runtime'].includes(c.facts.what) &&
        c.facts.nodes.some((n) => nodes.has(n)) &&
        changeAtMs(c) <= onsetMs + 60_000 &&
        changeAtMs(c) >= onsetMs - withinMs,
    );
}

/** Two or more nodes in trouble (NotReady, flapping or silent): node-level patterns need it. */
export function severalNodesInTrouble(weight = 0): Clause<{ t: NodeTrouble; nodes: string[] }> {
  return {
    id: 'several-nodes-in-trouble',
    weight,
    reason: 'two or more nodes NotReady, flapping or silent',
    reads: ['node-not-ready', 'node-flapping', 'node-heartbeat-lag'],
    test: (c) => (c.nodes.length >= 2 ? hitOn([...c.t.notReady, ...c.t.flapping, ...c.t.silent]) : undefined),
  };
}

/** A crash loop whose restarting pods all end the same way: one cause, not many. */
export function oneWayOfFailing(weight: number): Clause<{ loop: SignalOf<'crash-loop'> }> {
  return {
    id: 'one-way-of-failing',
    weight,
    reason: 'every restarting pod ends the same way (exit {exitCode})',
    reads: ['crash-loop'],
    test: (c) =>
      c.loop.facts.exitCodes.length === 1
        ? { signals: [c.loop], slots: { exitCode: said(c.loop.facts.exitCodes[0], c.loop)! } }
        : undefined,
  };
}

/** The nodes in trouble are short of memory, disk or PIDs: resource exhaustion, not their network. */
export function nodesShortOfResources(weight: number): Clause<{ t: NodeTrouble }> {
  return {
    id: 'nodes-short-of-resources',
    weight,
    reason: '{shortCount} of the nodes in trouble are short of memory, disk or PIDs',
    reads: ['node-pressure'],
    test: (c, q) => {
      const short = q.of('node-pressure').filter((s) => c.t.affected.has(s.subject.replace(/^node\//, '')));
      return short.length ? { signals: short, slots: { shortCount: said(short.length, short)! } } : undefined;
    },
  };
}

/** The node-not-ready causes that are the kubelet naming its container runtime (PLEG, runtime down). */
export const runtimeCauses = new Set([
  'pleg-unhealthy',
  'runtime-down',
  'runtime-not-ready',
  'runtime-status-unknown',
]);

/** The kubelet says in its Ready message that the runtime is what fails. */
export function kubeletBlamesRuntime(weight: number): Clause<{ t: NodeTrouble }> {
  return {
    id: 'kubelet-blames-runtime',
    weight,
    reason: "the kubelet's Ready message on {runtimeCount} of them names the container runtime",
    reads: ['node-not-ready'],
    test: (c) => {
      const s = c.t.notReady.filter((x) => (x.facts.causes ?? []).some((k) => runtimeCauses.has(k)));
      return s.length ? { signals: s, slots: { runtimeCount: said(s.length, s)! } } : undefined;
    },
  };
}

/**
 * Admission webhook calls that outlast the kubelet's 10 s heartbeat client: a webhook that
 * matches leases or node status makes renewals time out with no fault on the nodes, so
 * nodes lapse and flip together. The metrics do not say which resources a call was for;
 * that they outlast the heartbeat is what matters.
 */
export function webhookOutlastsHeartbeats(weight: number): Clause<unknown> {
  return {
    id: 'webhook-outlasts-heartbeats',
    weight,
    reason:
      "calls to admission webhook {slowWebhook} take over 10 s, longer than the kubelet's heartbeat client waits, so lease renewals it sees time out without any node fault",
    reads: ['webhook-calls-failing'],
    test: (_c, q) => {
      const s = q.of('webhook-calls-failing').find((x) => x.facts.slowCalls > 0);
      return s ? { signals: [s], slots: { slowWebhook: said(s.facts.webhook, s)! } } : undefined;
    },
  };
}

/**
 * The node agents' peer check: the nodes whose peer pods could not be connected to, leaving
 * out nodes that are NotReady or silent themselves (a node that is down says nothing about
 * the paths to it), and only while some node that reports it is up and fresh: a stale report
 * from a node that has since gone down tells of paths as they were then, not now.
 */
export function unreachablePeers(q: SignalQuery): {
  check?: SignalOf<'agent-condition'>;
  unreachable: string[];
} {
  const check = q.agent('PodNetworkPeersUnreachable');
  const down = nodeTrouble(q).affected;
  const stale = new Set(check?.facts.staleNodes ?? []);
  const live = (check?.facts.nodes ?? []).some((n) => !down.has(n) && !stale.has(n));
  const unreachable = live ? (check?.facts.unreachable ?? []).filter((n) => !down.has(n)) : [];
  return unreachable.length ? { check, unreachable } : { unreachable };
}

/** Pods cannot reach pods on other nodes that are up: what fails across nodes is the pod network. */
export function podsCutOffAcrossNodes(weight: number): Clause<unknown> {
  return {
    id: 'pods-cut-off-across-nodes',
    weight,
    reason:
      'the node agents cannot open a connection to the pods on {unreachable}, which are up: the pod network fails between nodes',
    reads: ['agent-condition'],
    test: (_c, q) => {
      const { check, unreachable } = unreachablePeers(q);
      return check ? { signals: [check], slots: { unreachable: names(unreachable, check)! } } : undefined;
    },
  };
}

/** Two or more nodes NotReady or silent: their own network, not the pods' between them. */
export function nodesLoseTheApi(weight: number): Clause<unknown> {
  return {
    id: 'nodes-lose-the-api',
    weight,
    reason: "{troubled} nodes are NotReady or silent too, which is the nodes' own network",
    reads: ['node-not-ready', 'node-heartbeat-lag'],
    test: (_c, q) => {
      const t = nodeTrouble(q);
      const s = [...t.notReady, ...t.silent];
      return t.affected.size >= 2 && s.length
        ? { signals: s, slots: { troubled: said(t.affected.size, s[0])! } }
        : undefined;
    },
  };
}

/** A change the pattern found before its onset (its own `changes`), named by its first line. */
export function changedBefore(
  weight: number,
  reason: string,
): Clause<{ changes: readonly SignalOf<'change'>[] }> {
  return {
    id: 'network-changed-before',
    weight,
    reason,
    reads: ['change'],
    test: (c) =>
      c.changes.length
        ? {
            signals: [...c.changes],
            slots: { change: said(c.changes[0].summary.split(';')[0], c.changes[0])! },
          }
        : undefined,
  };
}
