/**
 * A node's kubelet is down, in one of two forms:
 * - One node down: its kubelet stopped reporting or it says NotReady, and no other node
 *   follows. Common and routine (a crashed machine, a stuck kubelet); the node lifecycle
 *   controller moves its pods after the toleration.
 * - The kubelet not running on several nodes whose machines are up: their leases lapsed, yet
 *   the node agents there still write to the API server, and nothing answers at the
 *   kubelet's own /healthz. Many kubelets failing together point at what they share (a
 *   package or configuration change that makes them exit at start-up, a shared dependency);
 *   the machines, their network and the containers already running are fine.
 * Cordoned nodes are left out: those are being maintained.
 *
 * Told apart from: node-level trouble spreading (more than one node, machines or links
 * down: their agents fall silent too), refused kubelet credentials (the kubelets still run
 * and answer /healthz) and a stalled container runtime (the kubelet runs and says why: it
 * still renews its Lease, the NotReady it posts names PLEG or the runtime, and a node that
 * flaps for that reason never goes Unknown).
 */
import { hitOn, runtimeCauses } from '../evidence/clauses.ts';
import { nodeName, nodeTrouble } from '../evidence/node-trouble.ts';
import { definePattern } from '../pattern.ts';
import { at, names, said } from '../slots.ts';

/** A kubelet restart or one slow status update is not an outage. */
const graceSeconds = 60;

export const singleNode = definePattern((q) => {
  const t = nodeTrouble(q);
  const flapping = new Set(t.flapping.map((s) => s.subject));
  // Kubelets that are not running on machines that are up: silent leases, the node agent
  // still writing, /healthz refused. Flapping nodes are left out: a kubelet that comes and
  // goes is reaching the API server now and then.
  const stopped = t.silent.filter(
    (s) => s.facts.agentHeardSince && s.facts.kubeletHealthz === 'failing' && !flapping.has(s.subject),
  );
  // Several: at least two, and most of the nodes in trouble (the rest may be down for
  // another reason, but the story is the kubelets').
  const several = stopped.length >= 2 && stopped.length * 2 > t.affected.size ? stopped : [];
  const node = t.affected.size === 1 ? [...t.affected][0] : undefined;
  const sig = node
    ? (t.notReady.find((s) => s.subject === `node/${node}`) ?? t.flapping[0] ?? t.silent[0])
    : several[0];
  const lagging = node ? t.silent.filter((s) => s.subject === `node/${node}`) : several;
  const down = node ? stopped.filter((s) => s.subject === `node/${node}`) : several;
  const nodes = node ? [node] : several.map((s) => nodeName(s.subject)).sort();
  // The kubelet on that node alive and saying the runtime fails: its Lease renewed, and its
  // NotReady (now, or every spell of its flapping) posted by itself naming the runtime,
  // never Unknown.
  const causes = (s: (typeof t.notReady)[number] | (typeof t.flapping)[number]) => s.facts.causes ?? [];
  const postsRuntimeFault = node
    ? [...t.notReady, ...t.flapping].filter(
        (s) =>
          s.subject === `node/${node}` &&
          causes(s).some((k) => runtimeCauses.has(k)) &&
          !causes(s).includes('kubelet-stopped-posting'),
      )
    : [];
  const alive = lagging.length ? [] : postsRuntimeFault;
  return [{ t, node, several, sig, lagging, down, nodes, alive }];
})({
  id: 'kubelet-failure',
  family: 'nodes',
  layer: 'node',
  title: "A node's kubelet is down",
  summary:
    "A node's kubelet is down. Either one node stopped reporting or says NotReady and no other follows (a crashed machine, a stuck kubelet; routine, and the node lifecycle controller moves its pods after the toleration), or the kubelet is not running on several nodes whose machines are up: their leases lapsed while the node agents there still write to the API server, and nothing answers at the kubelet's /healthz. Many kubelets failing together point at what they share, such as a package or configuration change that makes them exit at start-up. Cordoned nodes are left out. Told apart from: node-level trouble spreading (machines or links down, their agents silent too), refused kubelet credentials (the kubelets still answer /healthz) and a stalled container runtime (the kubelet runs and says why).",
  clusterLevel: true,
  base: 0.5,
  requires: [
    {
      id: 'kubelets-down',
      weight: 0,
      reason:
        'exactly one node NotReady, flapping or silent; or the kubelet silent and its /healthz refused on two or more nodes, most of those in trouble, whose node agents still write to the API server',
      reads: ['node-not-ready', 'node-flapping', 'node-heartbeat-lag'],
      test: (c) => (c.node && c.sig ? { signals: [c.sig] } : hitOn(c.several)),
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
      reason: 'the kubelet stopped renewing its lease',
      reads: ['node-heartbeat-lag'],
      test: (c) => hitOn(c.lagging),
    },
    {
      id: 'machine-up-kubelet-not',
      weight: 0.2,
      reason:
        "the node agent there still writes to the API server, and nothing answers at the kubelet's /healthz: the machine is up, its kubelet is not running",
      reads: ['node-heartbeat-lag'],
      test: (c) => hitOn(c.down),
    },
  ],
  against: [
    {
      id: 'kubelet-alive-names-runtime',
      weight: -0.3,
      reason:
        'the kubelet on {node} still renews its lease, and the NotReady it posts itself names the container runtime: the kubelet runs, its runtime fails',
      reads: ['node-not-ready', 'node-flapping', 'node-heartbeat-lag'],
      test: (c) => hitOn(c.alive),
    },
  ],
  // One node is routine; every kubelet of a pool down at once is an outage.
  severity: (c) => (c.node ? 'warning' : 'critical'),
  onset: (c, q) => (c.node ? c.sig?.sinceMs : Math.min(...c.several.map((s) => s.sinceMs))) ?? q.nowMs,
  blastRadius: (c) => ({ nodes: c.nodes }),
  evidence: (c) => [...new Set([c.sig, ...c.lagging].filter((x) => x !== undefined))],
  slots: {
    node: (c) => said(c.node ?? (c.sig ? nodeName(c.sig.subject) : undefined), c.sig),
    // Each form's own words: a slot defined in one form only keeps the other's steps out.
    oneNode: (c) => said(c.node, c.sig),
    stoppedNode: (c) => said(c.node ? undefined : c.nodes[0], c.several),
    who: (c) =>
      c.node
        ? said(`Node ${c.node}`, c.sig)
        : said(`The kubelet on ${c.nodes.length} nodes (${names(c.nodes, c.several)?.text})`, c.several),
    since: (c) =>
      c.node ? at(c.sig?.sinceMs, c.sig) : at(Math.min(...c.several.map((s) => s.sinceMs)), c.several),
    state: (c) =>
      !c.node
        ? said('is not running', c.several)
        : c.sig?.kind === 'node-not-ready'
          ? said(c.sig.facts.status === 'Unknown' ? 'is not reporting (Unknown)' : 'is NotReady', c.sig)
          : c.sig?.kind === 'node-flapping'
            ? said('is flipping between Ready and NotReady', c.sig)
            : said('is silent (its lease lapsed)', c.sig),
    reason: (c) =>
      c.sig?.kind === 'node-not-ready' && c.sig.facts.reason ? said(c.sig.facts.reason, c.sig) : undefined,
    meaning: (c) =>
      c.node
        ? said('no other node is affected', c.sig)
        : said(
            'their leases lapsed while the node agents there still write to the API server, and nothing answers at the kubelet /healthz, so the machines are up and the kubelets are not',
            c.several,
          ),
  },
  statement: '{who} {state} since {since}[ ({reason})]; {meaning}.',
  nextSteps: [
    { say: 'Read its conditions and recent events', command: 'kubectl describe node {node}' },
    {
      say: 'See what ran there',
      command: 'kubectl get pods -A -o wide --field-selector spec.nodeName={oneNode}',
    },
    {
      say: 'Restart or replace it safely',
      command: 'kubetriage remediate restart-nodes --nodes {oneNode} --dry-run',
    },
    {
      say: 'Read why the kubelet exits on {stoppedNode}: its unit state and the last lines it logged before stopping',
      command:
        "ssh {stoppedNode} 'sudo systemctl status kubelet --no-pager; sudo journalctl -u kubelet -n 50 --no-pager'",
    },
    {
      say: 'Compare what changed on {stoppedNode} and the others before they fell silent (kubelet package, its flags and config, the runtime it talks to); replacing or rebooting them keeps the same kubelet and the same configuration',
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
