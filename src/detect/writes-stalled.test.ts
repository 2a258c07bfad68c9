import { describe, expect, it } from 'vitest';
import { trimObject } from '../kube/trim.ts';
import { lease, node, t0, viewOf } from './fixtures.ts';
import { ofKind } from './signal.ts';
import { failsUnderAlarm, writesStalled } from './writes-stalled.ts';

const s = 1000;
const names = ['cp-0', 'n1', 'n2', 'n3'];

/** kubeadm's etcd static pod as its mirror pod shows it, with the liveness probe kubeadm wrote. */
function etcdPod(nodeName: string, livenessPath: string) {
  return trimObject('pods', {
    metadata: {
      name: `etcd-${nodeName}`,
      namespace: 'kube-system',
      annotations: { 'kubernetes.io/config.mirror': 'abc', 'kubernetes.io/config.hash': 'abc' },
    },
    spec: {
      nodeName,
      containers: [
        {
          name: 'etcd',
          image: 'registry.k8s.io/etcd:3.5.4-0',
          livenessProbe: {
            httpGet: { host: '127.0.0.1', path: livenessPath, port: 2381 },
            periodSeconds: 10,
          },
        },
      ],
    },
    status: { phase: 'Running' },
  });
}

function stalledView(
  o: {
    ageS?: number[];
    ready?: 'True' | 'False' | 'Unknown';
    etcdPath?: string;
    leaseWatchFailedAt?: number;
  } = {},
) {
  const ages = o.ageS ?? [300, 302, 305, 296];
  return viewOf(
    {
      nodes: names.map((name) => node({ name, ready: o.ready, heartbeatMs: t0 - 600 * s })),
      leases: names.map((name, i) => lease(name, t0 - ages[i]! * s)),
      pods: o.etcdPath ? [etcdPod('cp-0', o.etcdPath)] : [],
    },
    t0 - 600 * s,
    o.leaseWatchFailedAt === undefined
      ? []
      : [
          { type: 'source', source: 'reflector/leases', ok: true, atMs: t0 - 600 * s },
          {
            type: 'source',
            source: 'reflector/leases',
            ok: false,
            error: 'i/o timeout',
            atMs: o.leaseWatchFailedAt,
          },
        ],
  );
}

describe('writes stalled cluster-wide', () => {
  it('fires when every kubelet stopped renewing together and the controller marked none of them', () => {
    const [x] = ofKind(writesStalled(stalledView(), t0), 'writes-stalled');
    expect(x).toMatchObject({
      subject: 'cluster',
      severity: 'critical',
      sinceMs: t0 - 296 * s,
      facts: { nodes: names, leaseNodes: 4, spreadSeconds: 9, etcdProbesFailOnAlarm: [] },
    });
    expect(x!.evidence[0]!.ref).toBe('lease/kube-node-lease/cp-0');
  });

  it.each([
    ['kubeadm before 1.25: plain /health', '/health', ['etcd-cp-0']],
    ['kubeadm 1.25 to 1.30: the space alarm left out', '/health?exclude=NOSPACE&serializable=true', []],
    ['kubeadm 1.31 on: /livez', '/livez', []],
  ])('names etcd static pods whose liveness probe fails under an alarm (%s)', (_name, path, pods) => {
    const [x] = ofKind(writesStalled(stalledView({ etcdPath: path }), t0), 'writes-stalled');
    expect(x!.facts.etcdProbesFailOnAlarm).toEqual(pods);
  });

  it.each([
    [
      'the controller marked them Unknown: kubelets gone, the controller still writes',
      { ready: 'Unknown' as const },
    ],
    ['renewals that stopped minutes apart', { ageS: [300, 200, 305, 296] }],
    ['only a minority silent', { ageS: [300, 5, 8, 3] }],
    ['silent for less than twice the grace period', { ageS: [100, 102, 105, 96] }],
    ['our own reads failing since just after the last renewal', { leaseWatchFailedAt: t0 - 290 * s }],
  ])('stays quiet for %s', (_name, o) => {
    expect(writesStalled(stalledView(o), t0)).toEqual([]);
  });

  it.each([
    ['/health', true],
    ['/health?serializable=false', true],
    ['/health?exclude=NOSPACE&serializable=true', false],
    ['/livez', false],
    ['/healthz', false],
    [undefined, false],
  ])('etcd probe %s fails under an alarm: %s', (path, fails) => {
    expect(failsUnderAlarm(path)).toBe(fails);
  });
});
