/**
 * kubelet-failure: fires on one node down past a minute, or on kubelets not running on
 * several nodes whose machines are up; loses to node trouble spreading and to refused
 * kubelet credentials.
 */
import type { PatternTable } from '../cases.ts';
import { change, crashLoop, dnsPods, flapping, min, notReady, silent, spread, t0 } from '../fixtures.ts';

/** A node flapping whose kubelet posted each NotReady itself, naming `cause`; Ready now. */
const flapsOn = (node: string, causes: ('pleg-unhealthy' | 'kubelet-stopped-posting')[]) => {
  const f = flapping(node);
  return { ...f, facts: { ...f.facts, status: 'True', causes } };
};
const three = ['n1', 'n2', 'n3'];
const wave = [
  notReady('n1'),
  flapping('n2'),
  flapping('n3'),
  spread(three, { onsetSpanMinutes: 25, notReadyNow: 1, wentNotReady60m: 3 }),
];
const appsOnThem = [crashLoop('api', 'pilot', ['n1', 'n2']), crashLoop('api', 'tiles', ['n2', 'n3'])];
const wentSilent = [notReady('n4'), silent('n4', 300)];
const four = ['n1', 'n2', 'n3', 'n4'];
const up = { agentHeardSince: true, kubeletHealthz: 'failing' as const };
/** Four kubelets gone at once; their node agents still write and /healthz is refused. */
const kubeletsStopped = (agent: { agentHeardSince: boolean; kubeletHealthz?: 'ok' | 'failing' } = up) => [
  ...four.map((n) => notReady(n)),
  ...four.map((n, i) => silent(n, 180 + i, {}, agent)),
  spread(four, { onsetSpanMinutes: 1, notReadyNow: 4, wentNotReady60m: 4 }),
];
const kubeletUpgrade = change(
  'node-version',
  { nodes: four, count: 4, from: 'v1.29.6', to: 'v1.30.2' },
  { sinceMs: t0 - 4 * min },
);

export const singleNodeCases: PatternTable = {
  pattern: 'kubelet-failure',
  cases: [
    // 0.5 + 0.1 lease lapsed
    {
      name: 'one node went silent: NotReady (Unknown) and its lease lapsed',
      signals: wentSilent,
      expect: { fires: true, identified: false },
    },
    {
      name: 'one node NotReady, its kubelet reporting the container runtime down',
      signals: [
        notReady('n4', { status: 'False', reason: 'KubeletNotReady', message: 'container runtime is down' }),
      ],
      expect: { fires: true, identified: false },
    },
    // 0.6 against change-induced at 0.45 + 0.05 (within 30 min): the node explains the DNS outage
    {
      name: 'a node went silent 20 min after the control plane upgrade, taking both DNS replicas with it',
      signals: [
        ...wentSilent,
        dnsPods({ nodes: ['n4'] }),
        change('control-plane-version', { from: 'v1.28.9', to: 'v1.29.4' }, { sinceMs: t0 - 25 * min }),
      ],
      expect: { fires: true, identified: false },
    },
    // 0.5 - 0.3: the kubelet runs, renews its lease and names its runtime
    {
      name: 'one node flapping, each NotReady posted by its kubelet with the PLEG error, its lease renewed',
      signals: [flapsOn('n4', ['pleg-unhealthy'])],
      expect: { losesTo: 'container-runtime-failure' },
    },
    {
      name: 'one node flapping, the lifecycle controller marking it Unknown each time',
      signals: [flapsOn('n4', ['kubelet-stopped-posting'])],
      expect: { fires: true, identified: false },
    },
    {
      name: 'a node NotReady for 30 seconds while its kubelet restarts',
      signals: [notReady('n4', { status: 'False', reason: 'KubeletNotReady', notReadySeconds: 30 })],
      expect: { quiet: true },
    },
    // 0.5 + 0.1 + 0.2: the machine answers, its kubelet does not
    {
      name: 'one node silent whose node agent still writes while its kubelet /healthz is refused',
      signals: [notReady('n4'), silent('n4', 300, {}, up)],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.1 + 0.2 = 0.8, ahead of the version change on the same nodes
    {
      name: 'four kubelets stop a few minutes after their version changed, the machines still up',
      signals: [...kubeletsStopped(), kubeletUpgrade],
      expect: { fires: true, identified: true },
    },
    {
      name: 'four nodes silent with their node agents silent too: the machines or their links',
      signals: kubeletsStopped({ agentHeardSince: false }),
      expect: { quiet: true },
    },
    {
      name: 'four running kubelets silent from one instant, /healthz answering: their credentials',
      signals: kubeletsStopped({ agentHeardSince: true, kubeletHealthz: 'ok' }),
      expect: { losesTo: 'certificate-expiry' },
    },
    {
      name: 'nodes go NotReady one after another and unrelated apps fail there',
      signals: [...wave, ...appsOnThem],
      expect: { losesTo: 'node-network' },
    },
  ],
};
