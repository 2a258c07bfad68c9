import { describe, expect, it } from 'vitest';
import { bypassAnnotation, bypassPatch, planBypass, revertPatch, type WorkloadFact } from './bypass-plan.ts';

const ingress: WorkloadFact = {
  namespace: 'ingress-nginx',
  name: 'controller',
  containers: [
    {
      name: 'controller',
      image: 'nginx:1',
      env: [
        { name: 'KUBERNETES_SERVICE_HOST', value: 'old' },
        { name: 'A', value: '1' },
      ],
    },
  ],
};

describe('planBypass', () => {
  it('points the named Deployments at the published endpoint', () => {
    const p = planBypass(
      { workloads: [ingress], endpoints: ['10.0.0.2:6443'] },
      { deployments: ['ingress-nginx/controller', 'x/missing'], revert: false },
    );
    expect(p.targets).toEqual(['ingress-nginx/controller']);
    expect(p.title).toContain('10.0.0.2:6443');
    expect(p.steps.map((s) => `${s.action} ${s.target}`)).toEqual([
      'patch deployment/ingress-nginx/controller',
      'verify deployment/ingress-nginx/controller',
    ]);
    expect(p.warnings[0]).toContain('x/missing');
  });

  it('refuses without an endpoint or --host', () => {
    const p = planBypass(
      { workloads: [ingress], endpoints: [] },
      { deployments: ['ingress-nginx/controller'], revert: false },
    );
    expect(p.refusal).toContain('--host');
    const withHost = planBypass(
      { workloads: [ingress], endpoints: [] },
      { deployments: ['ingress-nginx/controller'], host: '10.1.1.1', port: 6443, revert: false },
    );
    expect(withHost.refusal).toBeUndefined();
  });

  it('the patch replaces the two variables and keeps the original for the revert, which restores it exactly', () => {
    const patch = bypassPatch(ingress, '10.0.0.2', 6443) as {
      metadata: { annotations: Record<string, string> };
      spec: { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } };
    };
    expect(patch.spec.template.spec.containers[0].env).toEqual([
      { name: 'A', value: '1' },
      { name: 'KUBERNETES_SERVICE_HOST', value: '10.0.0.2' },
      { name: 'KUBERNETES_SERVICE_PORT', value: '6443' },
    ]);
    const bypassed = { ...ingress, bypassed: patch.metadata.annotations[bypassAnnotation] };
    expect(revertPatch(bypassed)).toEqual({
      metadata: { annotations: { [bypassAnnotation]: null } },
      spec: { template: { spec: { containers: ingress.containers } } },
    });
    expect(revertPatch(ingress)).toBeUndefined();
  });

  it('on a Deployment already bypassed, plans nothing for the same target and never saves the bypassed spec as the original', () => {
    type Patch = {
      metadata: { annotations: Record<string, string> };
      spec: { template: { spec: { containers: WorkloadFact['containers'] } } };
    };
    const first = bypassPatch(ingress, '10.0.0.2', 6443) as Patch;
    const bypassed: WorkloadFact = {
      ...ingress,
      containers: first.spec.template.spec.containers,
      bypassed: first.metadata.annotations[bypassAnnotation],
    };
    const same = planBypass(
      { workloads: [bypassed], endpoints: ['10.0.0.2:6443'] },
      { deployments: ['ingress-nginx/controller'], revert: false },
    );
    expect(same.steps).toEqual([]);
    expect(same.warnings).toContain(
      'deployment ingress-nginx/controller is already bypassed to 10.0.0.2:6443; nothing to do',
    );

    const moved = planBypass(
      { workloads: [bypassed], endpoints: ['10.0.0.3:6443'] },
      { deployments: ['ingress-nginx/controller'], revert: false },
    );
    expect(moved.steps.map((s) => s.action)).toEqual(['patch', 'verify']);
    const again = bypassPatch(bypassed, '10.0.0.3', 6443) as Patch;
    const saved = JSON.parse(again.metadata.annotations[bypassAnnotation]) as { containers: unknown };
    expect(saved.containers).toEqual(ingress.containers);
    expect(
      revertPatch({ ...bypassed, bypassed: again.metadata.annotations[bypassAnnotation] })?.spec,
    ).toEqual({
      template: { spec: { containers: ingress.containers } },
    });
  });
});
