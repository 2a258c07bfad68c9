/**
 * Runway: after the upgrade the nodes stop routing the kubernetes VIP. Pointing the
 * ingress controller and cert-manager straight at the API server brings them back while
 * routing is still broken (CoreDNS, left alone, keeps failing); the revert puts their
 * spec back exactly as it was.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { applyBypass } from '../../src/respond/bypass-apply.ts';
import { type RemediationCluster, remediationAt } from './remediation-cluster.ts';

let cluster: RemediationCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const deployments = ['ingress-nginx/ingress-nginx-controller', 'cert-manager/cert-manager'];

async function json<T>(c: RemediationCluster, args: string[]): Promise<T> {
  const r = await c.kubectl([...args, '-o', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

interface Deploy {
  spec: { replicas: number; template: unknown };
  status: { readyReplicas?: number };
}
interface PodList {
  items: { status: { conditions?: { type: string; status: string }[] } }[];
}
const readyPods = (l: PodList) =>
  l.items.filter((p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;

describe('bypass-service-host on the Runway outage', () => {
  it('brings the patched workloads back while routing stays broken, and the revert restores their spec exactly', async () => {
    const c = await remediationAt('runway-2024', '2024-11-22T11:45:00Z');
    cluster = c;
    const before = new Map<string, Deploy>();
    for (const ref of deployments) {
      const [ns, name] = ref.split('/');
      const d = await json<Deploy>(c, ['-n', ns, 'get', 'deployment', name]);
      expect(d.status.readyReplicas ?? 0, ref).toBeLessThan(d.spec.replicas);
      before.set(ref, d);
    }

    const outcome = await c.drive(
      applyBypass({ api: c.api, clock: c.applyClock, options: { deployments, revert: false } }),
    );
    expect(outcome.plan.title).toContain('10.0.0.2:6443');
    await c.clock.runUntil(c.clock.now() + 2 * 60_000);
    for (const ref of deployments) {
      const [ns, name] = ref.split('/');
      const d = await json<Deploy>(c, ['-n', ns, 'get', 'deployment', name]);
      expect(d.status.readyReplicas, ref).toBe(d.spec.replicas);
    }
    // Routing itself is still broken: CoreDNS, not patched, still cannot reach the API.
    const dns = await json<PodList>(c, ['-n', 'kube-system', 'get', 'pods', '-l', 'k8s-app=kube-dns']);
    expect(readyPods(dns)).toBe(0);

    await c.drive(applyBypass({ api: c.api, clock: c.applyClock, options: { deployments, revert: true } }));
    for (const ref of deployments) {
      const [ns, name] = ref.split('/');
      const d = await json<Deploy & { metadata: { annotations?: Record<string, string> } }>(c, [
        '-n',
        ns,
        'get',
        'deployment',
        name,
      ]);
      expect(d.spec, ref).toEqual(before.get(ref)?.spec);
      expect(d.metadata.annotations?.['kubetriage.io/bypass-service-host']).toBeUndefined();
    }
  });
});
