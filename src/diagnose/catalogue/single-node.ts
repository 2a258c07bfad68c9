/**
 * One node down: its kubelet stopped reporting or it says NotReady, and no other node
 * follows. Common and routine (a crashed machine, a stuck kubelet); the node lifecycle
 * controller moves its pods after the toleration. Cordoned nodes are left out: those are
 * being maintained.
 *
 * Told apart from: node-level trouble spreading (more than one node).
 */
import { hitOn } from '../evidence/clauses.ts';
import { nodeName, nodeTrouble } from '../evidence/node-trouble.ts';
import { definePattern } from '../pattern.ts';
import { at, said } from '../slots.ts';

/** A kubelet restart or one slow status update is not an outage. */
const graceSeconds = 60;

export const singleNode = definePattern((q) => {
  const t = nodeTrouble(q);
  const node = t.affected.size === 1 ? [...t.affected][0] : undefined;
  const sig = node
    ? (t.notReady.find((s) => s.subject === `node/${node}`) ?? t.flapping[0] ?? t.silent[0])
    : undefined;
  const lag = node ? t.silent.find((s) => s.subject === `node/${node}`) : undefined;
  return [{ t, node, sig, lag }];
})({
  id: 'kubelet-failure',
  family: 'nodes',
  layer: 'node',
  title: 'A single node stopped reporting or is NotReady',
  summary:
    'One node down: its kubelet stopped reporting or it says NotReady, and no other node follows. Common and routine (a crashed machine, a stuck kubelet); the node lifecycle controller moves its pods after the toleration. Cordoned nodes are left out: those are being maintained. Told apart from: node-level trouble spreading (more than one node).',
  clusterLevel: true,
  base: 0.5,
  requires: [
    {
      id: 'one-node-down',
      weight: 0,
      reason: 'exactly one node NotReady, flapping or silent',
      reads: ['node-not-ready', 'node-flapping', 'node-heartbeat-lag'],
      test: (c) => (c.node && c.sig ? { signals: [c.sig] } : undefined),
    },
    {
      id: 'down-past-grace',
      weight: 0,
      reason: 'the node down for over a minute',
      reads: ['node-not-ready'],
      // Only the grace: which node is down is the requirement above, so each can fail alone.
      test: (c) =>
        c.sig?.kind === 'node-not-ready' && c.sig.facts.notReadySeconds < graceSeconds
          ? undefined
          : { signals: c.sig ? [c.sig] : [] },
    },
  ],
  supports: [
    {
      id: 'lease-lapsed',
      weight: 0.1,
      reason: 'its kubelet stopped renewing its lease',
      reads: ['node-heartbeat-lag'],
      test: (c) => hitOn([c.lag]),
    },
  ],
  against: [],
  severity: () => 'warning',
  onset: (c, q) => c.sig?.sinceMs ?? q.nowMs,
  blastRadius: (c) => ({ nodes: c.node ? [c.node] : [] }),
  evidence: (c) => [c.sig, c.lag].filter((x) => x !== undefined),
  slots: {
    node: (c) => said(c.node ?? (c.sig ? nodeName(c.sig.subject) : undefined), c.sig),
    since: (c) => at(c.sig?.sinceMs, c.sig),
    state: (c) =>
      c.sig?.kind === 'node-not-ready'
        ? said(c.sig.facts.status === 'Unknown' ? 'not reporting (Unknown)' : 'NotReady', c.sig)
        : c.sig?.kind === 'node-flapping'
          ? said('flipping between Ready and NotReady', c.sig)
          : said('silent (its lease lapsed)', c.sig),
    reason: (c) =>
      c.sig?.kind === 'node-not-ready' && c.sig.facts.reason ? said(c.sig.facts.reason, c.sig) : undefined,
  },
  statement: 'Node {node} is {state} since {since}[ ({reason})]; no other node is affected.',
  nextSteps: [
    { say: 'Read its conditions and recent events', command: 'kubectl describe node {node}' },
    {
      say: 'See what ran there',
      command: 'kubectl get pods -A -o wide --field-selector spec.nodeName={node}',
    },
    {
      say: 'Restart or replace it safely',
      command: 'kubetriage remediate restart-nodes --nodes {node} --dry-run',
    },
  ],
  runbooks: { 'restart-nodes': (c) => (c.node ? { nodes: [c.node] } : undefined) },
  lookAlikes: ['node-network'],
  public: {
    components: ['Nodes'],
    title: 'Nodes unavailable',
    cause: 'the node agent (kubelet) is failing on a node',
    outage: 'partial',
  },
  prevention: ['Alert on a node NotReady for more than a few minutes, with its pods listed'],
});
