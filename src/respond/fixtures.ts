/** Tiny builders for runbook plan tests: `node('n1').notReady()`, `pod('api/a').on('n1').ready()`. */
import type { NodeFact, PdbFact, PodFact } from './facts.ts';

export function node(name: string, labels: Record<string, string> = { pool: 'a' }) {
  const n: NodeFact = { name, ready: true, unschedulable: false, labels };
  const b = {
    notReady: () => {
      n.ready = false;
      return b;
    },
    timers: (...t: string[]) => {
      n.upgradeTimers = t;
      return b;
    },
    build: () => n,
  };
  return b;
}

export function pod(ref: string, labels: Record<string, string> = {}) {
  const [namespace, name] = ref.split('/');
  const p: PodFact = {
    namespace,
    name,
    phase: 'Running',
    ready: true,
    terminating: false,
    labels,
    owner: { kind: 'ReplicaSet', name: `${name}-rs` },
    mirror: false,
  };
  const b = {
    on: (node: string) => {
      p.node = node;
      return b;
    },
    unready: () => {
      p.ready = false;
      return b;
    },
    daemon: () => {
      p.owner = { kind: 'DaemonSet', name };
      return b;
    },
    bare: () => {
      delete p.owner;
      return b;
    },
    build: () => p,
  };
  return b;
}

export function pdb(
  ref: string,
  app: string,
  o: { healthy: number; desired: number; allowed: number },
): PdbFact {
  const [namespace, name] = ref.split('/');
  return {
    namespace,
    name,
    selector: { matchLabels: { app } },
    currentHealthy: o.healthy,
    desiredHealthy: o.desired,
    disruptionsAllowed: o.allowed,
    expectedPods: o.healthy,
  };
}
