/**
 * Behaviour that changes between minors when the control plane is upgraded: kubeadm's
 * node-role labels and taints (KEP-2067), and API versions the new server no longer serves
 * (Ingress in extensions/v1beta1 and networking.k8s.io/v1beta1, removed in 1.22).
 */
import { describe, expect, it } from 'vitest';
import { resourceForKind } from '../api/resources.ts';
import { minute, runNetworkCase } from './network-fixture.ts';

const ingressType = resourceForKind('Ingress', 'networking.k8s.io')!;

interface NodeView {
  metadata: { name?: string; labels?: Record<string, string> };
  spec?: { taints?: { key: string; effect: string }[] };
}

describe('kubeadm node-role labels and taints by minor', () => {
  it.each([
    ['v1.19.16', ['node-role.kubernetes.io/master'], ['node-role.kubernetes.io/master']],
    [
      'v1.23.17',
      ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'],
      ['node-role.kubernetes.io/master'],
    ],
    [
      'v1.24.10',
      ['node-role.kubernetes.io/control-plane'],
      ['node-role.kubernetes.io/master', 'node-role.kubernetes.io/control-plane'],
    ],
    ['v1.25.6', ['node-role.kubernetes.io/control-plane'], ['node-role.kubernetes.io/control-plane']],
  ])('a %s control-plane node', async (version, labels, taints) => {
    const w = await runNetworkCase(
      { kubernetesVersion: version, cni: { kind: 'calico', mode: 'bgp' } },
      1 * minute,
    );
    const cp = w.nodes().find((n) => n.metadata.name === 'cp-0') as NodeView;
    expect(
      Object.keys(cp.metadata.labels ?? {})
        .filter((k) => k.startsWith('node-role.'))
        .sort(),
    ).toEqual([...labels].sort());
    expect(cp.spec?.taints?.map((t) => t.key)).toEqual(taints);
    await w.stop();
  });

  it('upgrading 1.23 → 1.24 → 1.25 removes the master label, then the master taint', async () => {
    const w = await runNetworkCase(
      {
        cni: { kind: 'calico', mode: 'bgp' },
        timeline: [
          { at: '+5m', action: { type: 'upgrade', component: 'control-plane', to: 'v1.24.10' } },
          { at: '+10m', action: { type: 'upgrade', component: 'control-plane', to: 'v1.25.6' } },
        ],
      },
      7 * minute,
    );
    let cp = w.nodes().find((n) => n.metadata.name === 'cp-0') as NodeView;
    expect(cp.metadata.labels?.['node-role.kubernetes.io/master']).toBeUndefined();
    expect(cp.spec?.taints?.map((t) => t.key)).toEqual([
      'node-role.kubernetes.io/master',
      'node-role.kubernetes.io/control-plane',
    ]);
    await w.clock.runUntil(w.clock.now() + 5 * minute);
    cp = w.nodes().find((n) => n.metadata.name === 'cp-0') as NodeView;
    expect(cp.spec?.taints?.map((t) => t.key)).toEqual(['node-role.kubernetes.io/control-plane']);
    // Workers never had a role label; nothing changes there.
    const worker = w.nodes().find((n) => n.metadata.name === 'worker-0') as NodeView;
    expect(Object.keys(worker.metadata.labels ?? {}).some((k) => k.startsWith('node-role.'))).toBe(false);
    await w.stop();
  });
});

describe('API removal on a control-plane upgrade', () => {
  const ingressCase = {
    kubernetesVersion: 'v1.21.14',
    cni: { kind: 'calico', mode: 'bgp' },
    ingress: { kind: 'ingress-nginx', apiVersion: 'extensions/v1beta1' },
    // The frontend stands for a program built against the old Ingress API (a 0.x ingress controller).
    frontendNeeds: ['api:extensions/v1beta1/ingresses'],
    timeline: [{ at: '+10m', action: { type: 'upgrade', component: 'control-plane', to: 'v1.22.17' } }],
  };

  it('before: the old version is served and its clients are fine', async () => {
    const w = await runNetworkCase(ingressCase, 9 * minute);
    expect(w.sim.serves('extensions/v1beta1/ingresses')).toBe(true);
    expect(w.app('frontend').every(w.ready)).toBe(true);
    await w.stop();
  });

  it('after: clients of extensions/v1beta1 fail with the 404 in client-go words; the objects live on as v1', async () => {
    const w = await runNetworkCase(ingressCase, 14 * minute);
    expect(w.sim.serves('extensions/v1beta1/ingresses')).toBe(false);
    expect(w.sim.serves('networking.k8s.io/v1beta1/ingresses')).toBe(false);
    expect(w.sim.serves('networking.k8s.io/v1/ingresses')).toBe(true);
    expect(w.sim.store.listObjects(ingressType).map((i) => i.metadata.name)).toEqual(['frontend']);
    const frontends = w.app('frontend');
    expect(frontends.length).toBeGreaterThan(0);
    expect(frontends.some(w.ready)).toBe(false);
    const log = (w.sim.logs.lines('shop', frontends[0].metadata.name ?? '', 'web', false) ?? []).map(
      (l) => l.text,
    );
    expect(log.join('\n')).toMatch(
      /factory\.go:159: failed to list \*v1beta1\.Ingress: the server could not find the requested resource/,
    );
    await w.stop();
  });
});
