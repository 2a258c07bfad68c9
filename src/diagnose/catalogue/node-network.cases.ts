/** node-network: fires on nodes losing their network one after another; loses to its look-alikes. */
import type { PatternTable } from '../cases.ts';
import {
  agent,
  apiUnreachable,
  change,
  crashLoop,
  flapping,
  min,
  notReady,
  periodic,
  silent,
  spread,
  t0,
  webhookSlow,
} from '../fixtures.ts';

const three = ['n1', 'n2', 'n3'];
const wave = [
  notReady('n1'),
  flapping('n2'),
  flapping('n3'),
  spread(three, { onsetSpanMinutes: 25, notReadyNow: 1, wentNotReady60m: 3 }),
];
/** A node flapping whose NotReady spells said `causes`; Ready now. */
const flapsOn = (node: string, causes: ('pleg-unhealthy' | 'kubelet-stopped-posting')[]) => {
  const f = flapping(node);
  return { ...f, facts: { ...f.facts, status: 'True', causes } };
};
/** Nodes flapping one after another over 25 min, each fall saying `causes`, all Ready now. */
const flapWave = (causes: ('pleg-unhealthy' | 'kubelet-stopped-posting')[]) => [
  ...three.map((n) => flapsOn(n, causes)),
  spread(three, { onsetSpanMinutes: 25, notReadyNow: 0, wentNotReady60m: 3, recoveredNow: 3 }),
];
const appsOnThem = [crashLoop('api', 'pilot', ['n1', 'n2']), crashLoop('api', 'tiles', ['n2', 'n3'])];
const rolloutJustBefore = change(
  'rollout',
  { workload: 'shop/Deployment/cart', namespace: 'shop' },
  { sinceMs: t0 - 25 * min },
);

export const nodeNetworkCases: PatternTable = {
  pattern: 'node-network',
  cases: [
    {
      name: 'nodes flap one after another and unrelated apps fail only there',
      signals: [...wave, ...appsOnThem],
      expect: { fires: true, identified: true },
    },
    {
      name: "nodes flap and apps fail there, while a webhook's calls take over 10 s: lease renewals through it time out",
      signals: [...wave, ...appsOnThem, webhookSlow()],
      expect: { losesTo: 'admission-webhook-failure' },
    },
    {
      name: 'one node down is a single node, not a spreading fault',
      signals: [notReady('n1')],
      expect: { quiet: true },
    },
    {
      name: 'flapping with unrelated apps failing there, a rollout elsewhere just before',
      signals: [flapping('n1'), flapping('n2'), ...appsOnThem, rolloutJustBefore],
      expect: { fires: true, identified: true },
    },
    {
      name: 'flapping with apps failing there and elsewhere, a rollout just before',
      signals: [
        flapping('n1'),
        flapping('n2'),
        crashLoop('api', 'pilot', ['n1', 'n7']),
        crashLoop('api', 'tiles', ['n2', 'n8']),
        rolloutJustBefore,
      ],
      expect: { fires: true, identified: false },
    },
    {
      name: 'flapping with apps failing there and elsewhere, no rollout before',
      signals: [
        flapping('n1'),
        flapping('n2'),
        crashLoop('api', 'pilot', ['n1', 'n7']),
        crashLoop('api', 'tiles', ['n2', 'n8']),
      ],
      expect: { fires: true, identified: true },
    },
    { name: 'one node flapping alone', signals: [flapping('n1')], expect: { losesTo: 'kubelet-failure' } },
    {
      name: 'an app failing on healthy nodes',
      signals: [crashLoop('shop', 'cart', ['n4', 'n5'])],
      expect: { quiet: true },
    },
    {
      name: 'nodes go NotReady over time and lookups fail on them',
      signals: [
        notReady('n1'),
        notReady('n2'),
        flapping('n3'),
        spread(three, { onsetSpanMinutes: 25 }),
        agent('NodeResolverUnhealthy', ['n1', 'n2']),
      ],
      expect: { fires: true, identified: true },
    },
    {
      name: 'nodes go NotReady over time, nothing else seen',
      signals: [notReady('n1'), notReady('n2'), flapping('n3'), spread(three, { onsetSpanMinutes: 25 })],
      expect: { fires: true, identified: false },
    },
    {
      name: 'nodes go NotReady over time and apps fail there, while the agents on the silent nodes still write to the API server',
      signals: [
        ...three.map((n) => notReady(n)),
        spread(three, { onsetSpanMinutes: 25 }),
        ...appsOnThem,
        ...three.map((n) => silent(n, 90, {}, { agentHeardSince: true, kubeletHealthz: 'failing' })),
      ],
      expect: { losesTo: 'kubelet-failure' },
    },
    {
      name: 'nodes flap one after another, the lifecycle controller marking each Unknown, apps failing there',
      signals: [...flapWave(['kubelet-stopped-posting']), ...appsOnThem],
      expect: { fires: true, identified: true },
    },
    {
      name: 'nodes flap one after another, each NotReady posted by the kubelet with the PLEG error, apps failing there',
      signals: [...flapWave(['pleg-unhealthy']), ...appsOnThem],
      expect: { losesTo: 'container-runtime-failure' },
    },
    {
      name: 'the API server is silent for kubetriage too',
      signals: [...wave, ...appsOnThem, apiUnreachable()],
      expect: { losesTo: 'control-plane-unreachable' },
    },
    {
      name: 'onsets at the same time of day, with an upgrade timer on the nodes',
      signals: [
        ...wave,
        ...appsOnThem,
        periodic(three),
        agent('AutomaticUpgradeScheduled', three, { timers: ['apt-daily-upgrade.timer'] }),
      ],
      expect: { losesTo: 'node-scheduled-job' },
    },
    {
      name: 'the nodes took a new kernel an hour before',
      signals: [
        ...wave,
        ...appsOnThem,
        change(
          'node-kernel',
          { nodes: three, count: 3, from: '5.15.0-1061', to: '5.15.0-1064' },
          { sinceMs: t0 - 80 * min },
        ),
      ],
      expect: { losesTo: 'node-image-regression' },
    },
    {
      name: 'every node of a small cluster NotReady at once, with apps failing',
      signals: [
        notReady('n1'),
        notReady('n2'),
        notReady('n3'),
        spread(three, { totalNodes: 3, notReadyNow: 3 }),
        ...appsOnThem,
      ],
      expect: { losesTo: 'cause-not-identified' },
    },
  ],
};
