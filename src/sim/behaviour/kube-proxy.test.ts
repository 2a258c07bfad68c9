import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/manual-clock.ts';
import { admitCreate, ClusterIpAllocator } from '../api/admission.ts';
import { objectFields } from '../api/field-selector.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { NodeProxyRegistry } from '../api/node-proxy.ts';
import { PodLogBook } from '../api/pod-log-book.ts';
import { resourceForKind } from '../api/resources.ts';
import { runningPod } from '../cluster/objects.ts';
import { ObjectStore } from '../store/object-store.ts';
import { Dependencies } from './dependencies.ts';
import { KubeProxyModel } from './kube-proxy.ts';

function world() {
  const clock = new ManualClock(Date.UTC(2023, 2, 14, 17, 40, 0));
  const store = new ObjectStore({ clock, fieldsOf: objectFields });
  const ips = new ClusterIpAllocator();
  const put = (kind: string, o: KubeObject, group = '') => {
    const r = resourceForKind(kind, group)!;
    admitCreate(r, o, ips);
    return store.create(r, o);
  };
  for (const ns of ['kube-system', 'jobs']) put('Namespace', { metadata: { name: ns } });
  put(
    'Pod',
    runningPod({
      name: 'kube-proxy-abcde',
      namespace: 'kube-system',
      node: 'n1',
      ip: '10.0.0.1',
      hostIp: '10.0.0.1',
      labels: { 'k8s-app': 'kube-proxy' },
      containers: [{ name: 'kube-proxy', image: 'kube-proxy:v1.25' }],
      startedMs: clock.now(),
    }),
  );
  const logs = new PodLogBook();
  const proxy = new NodeProxyRegistry();
  const deps = new Dependencies({
    apiServerUp: true,
    dnsServing: () => true,
    serviceHasEndpoints: () => true,
  });
  const kp = new KubeProxyModel({ node: 'n1', store, clock, logs, proxy, deps });
  kp.start();
  const churn = (i: number) =>
    put(
      'EndpointSlice',
      {
        metadata: {
          name: `svc-${i}`,
          namespace: 'jobs',
          labels: { 'kubernetes.io/service-name': `svc-${i}` },
        },
        addressType: 'IPv4',
        endpoints: [{ addresses: [`10.1.0.${i}`] }],
        ports: [],
      },
      'discovery.k8s.io',
    );
  const metric = (name: string) =>
    Number(
      new RegExp(`^${name} (\\S+)$`, 'm').exec(
        proxy.lookup('n1', 10249)!({ method: 'GET', path: '/metrics', query: new URLSearchParams() }).body,
      )?.[1],
    );
  const healthz = () =>
    proxy.lookup('n1', 10256)!({ method: 'GET', path: '/healthz', query: new URLSearchParams() }).status;
  return { clock, logs, kp, deps, churn, metric, healthz };
}

describe('kube-proxy sync loop', () => {
  it('syncs changes within a second and keeps the last-sync timestamp moving', () => {
    const w = world();
    w.churn(1);
    w.clock.advance(2_000);
    expect(w.metric('kubeproxy_sync_proxy_rules_last_timestamp_seconds')).toBe(
      Math.floor(w.clock.now() / 1000) - 1,
    );
    expect(w.metric('kubeproxy_sync_proxy_rules_iptables_restore_failures_total')).toBe(0);
    expect(w.healthz()).toBe(200);
  });

  it('fails syncs with changes after a rule-format mismatch: klog lines, counter, stale rules, 503', () => {
    const w = world();
    w.kp.ruleFormatMismatch = true;
    w.clock.advance(60_000);
    // No changes yet: periodic syncs re-assert the same rules and pass.
    expect(w.metric('kubeproxy_sync_proxy_rules_iptables_restore_failures_total')).toBe(0);
    const lastGood = w.metric('kubeproxy_sync_proxy_rules_last_timestamp_seconds');
    w.churn(2);
    w.clock.advance(95_000);
    expect(w.metric('kubeproxy_sync_proxy_rules_iptables_restore_failures_total')).toBe(4);
    expect(w.metric('kubeproxy_sync_proxy_rules_last_timestamp_seconds')).toBe(lastGood);
    expect(w.healthz()).toBe(503);
    // Only the Service whose endpoints changed is stale; the others' rules still stand.
    expect(w.deps.faultsOn('n1').brokenServices).toEqual(['jobs/svc-2']);
    const text = (w.logs.lines('kube-system', 'kube-proxy-abcde', 'kube-proxy', false) ?? []).map(
      (l) => l.text,
    );
    expect(text).toContain('\texit status 1 (iptables-restore: line 8022 failed');
    expect(text.filter((l) => l.endsWith('"Sync failed" ipFamily="IPv4" retryingTime="30s"'))).toHaveLength(
      4,
    );
    expect(text[0]).toMatch(
      /^E0314 17:4\d:\d\d\.\d{6} {7}1 proxier\.go:1564\] "Failed to execute iptables-restore" err=<$/,
    );
  });

  it('recovers when the node restarts with fresh rules', () => {
    const w = world();
    w.kp.ruleFormatMismatch = true;
    w.churn(3);
    w.clock.advance(40_000);
    expect(w.deps.faultsOn('n1').brokenServices).toEqual(['jobs/svc-3']);
    w.kp.restart();
    w.clock.advance(2_000);
    expect(w.deps.faultsOn('n1').brokenServices).toBeUndefined();
    expect(w.healthz()).toBe(200);
  });
});
