/** system-component-at-limits: fires when every replica of an add-on is OOMKilled; loses to starved nodes and to DNS's own pattern. */
import type { PatternTable } from '../cases.ts';
import { apiUnreachable, componentOom, crashLoop, pressure, workloadDown } from '../fixtures.ts';

const ingressOom = (restartsInWindow: number) =>
  componentOom('ingress', 'ingress-nginx-controller', 'ingress', { restartsInWindow });

export const systemComponentLimitsCases: PatternTable = {
  pattern: 'system-component-at-limits',
  cases: [
    // 0.5 + 0.1 again and again + 0.15 no replica Ready
    {
      name: 'both ingress controller replicas OOMKilled over and over, none Ready',
      signals: [ingressOom(8), workloadDown('ingress', 'ingress-nginx-controller')],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.1
    {
      name: 'both ingress controller replicas OOMKilled four times each, coming back Ready in between',
      signals: [ingressOom(8)],
      expect: { fires: true, identified: false },
    },
    {
      name: 'an application container is OOMKilled and crash-loops',
      signals: [crashLoop('shop', 'cart', ['n4', 'n5'], { reasons: ['OOMKilled'], exitCodes: ['137'] })],
      expect: { quiet: true },
    },
    // 0.5 + 0.1 - 0.25 against node memory at 0.4 + 0.15: the kernel picked it on starved nodes
    {
      name: 'metrics-server OOMKilled on both replicas, on nodes the kernel OOM killer was working through',
      signals: [
        componentOom('kube-system', 'metrics-server', 'metrics', { restartsInWindow: 6 }),
        pressure('n5', { systemOoms: 2, oomVictims: ['metrics-server'] }),
        pressure('n6', { systemOoms: 2, oomVictims: ['java'] }),
      ],
      expect: { losesTo: 'node-memory-exhaustion' },
    },
    {
      name: 'every CoreDNS replica OOMKilled within minutes',
      signals: [componentOom('kube-system', 'coredns', 'dns', { restartsInWindow: 6 })],
      expect: { losesTo: 'dns-overload' },
    },
    // 0.5 - 0.4
    {
      name: 'the API server does not answer; earlier both ingress controller replicas were OOMKilled',
      signals: [apiUnreachable(), ingressOom(2)],
      expect: { losesTo: 'control-plane-unreachable' },
    },
  ],
};
