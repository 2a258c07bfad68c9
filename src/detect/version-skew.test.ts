import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/observations.ts';
import { node, pod, t0, update, viewOf } from './fixtures.ts';
import { daemonSet, podWith, probe, versionBody } from './fixtures-components.ts';
import { ofKind, type Signal } from './signal.ts';
import { imageTag, parseKubeVersion, versionSkew } from './version-skew.ts';

// The rule of a version-skew signal, the aspect of a version-mix one (undefined for the other kind).
const rule = (s: Signal) => (s.kind === 'version-skew' ? s.facts.rule : undefined);
const aspect = (s: Signal) => (s.kind === 'version-mix' ? s.facts.aspect : undefined);

const api = (gitVersion: string, atMs = t0) => probe('version', atMs, { body: versionBody(gitVersion) });

const proxyPod = (nodeName: string, version: string, name = `kube-proxy-${nodeName}`) =>
  pod({
    name,
    namespace: 'kube-system',
    node: nodeName,
    labels: { 'k8s-app': 'kube-proxy' },
    owner: { kind: 'DaemonSet', name: 'kube-proxy' },
    containers: [{ name: 'kube-proxy', image: `registry.k8s.io/kube-proxy:${version}` }],
  });

const proxyDs = (version: string) =>
  daemonSet('kube-system', 'kube-proxy', `registry.k8s.io/kube-proxy:${version}`, {
    'k8s-app': 'kube-proxy',
  });

function cluster(o: {
  api?: string;
  kubelets: Record<string, string>;
  proxies?: Record<string, string>;
  ds?: string;
  extraPods?: KubeObject[];
}) {
  return viewOf(
    {
      nodes: Object.entries(o.kubelets).map(([name, kubeletVersion]) => node({ name, kubeletVersion })),
      pods: [...Object.entries(o.proxies ?? {}).map(([n, v]) => proxyPod(n, v)), ...(o.extraPods ?? [])],
      daemonsets: o.ds ? [proxyDs(o.ds)] : [],
    },
    t0,
    o.api ? [api(o.api)] : [],
  );
}

describe('parseKubeVersion and imageTag', () => {
  it.each([
    ['v1.31.2+k0s.0', 31, 2],
    ['v1.27.6-do.0', 27, 6],
    ['1.24.10-eks-abc', 24, 10],
    ['v1.30', 30, 0],
  ])('%s', (text, minor, patch) =>
    expect(parseKubeVersion(text)).toMatchObject({ major: 1, minor, patch, raw: text }),
  );

  it.each(['latest', 'v2.0.0', '', 'sha256'])('rejects %j', (text) =>
    expect(parseKubeVersion(text)).toBeUndefined(),
  );

  it.each([
    ['registry.k8s.io/kube-proxy:v1.29.3', 'v1.29.3'],
    ['localhost:5000/kube-proxy:v1.29.3@sha256:abc', 'v1.29.3'],
    ['localhost:5000/kube-proxy', undefined],
    ['kube-proxy@sha256:abc', undefined],
  ])('%s', (image, tag) => expect(imageTag(image)).toBe(tag));
});

describe('versionSkew: policy violations', () => {
  it('stays quiet when everything runs one version, distribution suffix and all', () => {
    const view = cluster({
      api: 'v1.31.2+k0s.0',
      kubelets: { w1: 'v1.31.2+k0s.0', w2: 'v1.31.2+k0s.0' },
      proxies: { w1: 'v1.31.2', w2: 'v1.31.2' },
      ds: 'v1.31.2',
    });
    expect(versionSkew(view, t0)).toEqual([]);
  });

  it('flags a kubelet newer than the API server', () => {
    const view = cluster({ api: 'v1.29.4', kubelets: { w1: 'v1.29.4', w2: 'v1.30.1' } });
    const skew = versionSkew(view, t0).filter((s) => s.kind === 'version-skew');
    expect(skew).toHaveLength(1);
    expect(skew[0].severity).toBe('warning');
    expect(skew[0].facts).toMatchObject({
      component: 'kubelet',
      rule: 'kubelet-newer-than-apiserver',
      versions: ['v1.30.1'],
      nodes: ['w2'],
      apiserverVersion: 'v1.29.4',
    });
  });

  it.each([
    ['v1.30.0', 'v1.26.9', true],
    ['v1.30.0', 'v1.27.9', false],
    ['v1.27.0', 'v1.24.9', true],
    ['v1.28.0', 'v1.25.9', false],
  ])('apiserver %s with kubelet %s too old: %s', (apiVersion, kubelet, flagged) => {
    const rules = versionSkew(cluster({ api: apiVersion, kubelets: { w1: kubelet } }), t0).map(rule);
    expect(rules.includes('kubelet-too-old-for-apiserver')).toBe(flagged);
  });

  it('holds kube-proxy to the same minor as its kubelet under the policy of 1.26 and earlier', () => {
    const view = cluster({
      api: 'v1.24.10',
      kubelets: { w1: 'v1.24.10', w2: 'v1.24.10' },
      proxies: { w1: 'v1.23.17', w2: 'v1.23.17' },
      ds: 'v1.23.17',
    });
    const [sig] = versionSkew(view, t0);
    expect(sig.kind).toBe('version-skew');
    expect(sig.subject).toBe('daemonset/kube-system/kube-proxy');
    expect(sig.facts).toMatchObject({
      component: 'kube-proxy',
      rule: 'kube-proxy-kubelet-same-minor',
      versions: ['v1.23.17'],
      nodes: ['w1', 'w2'],
      kubeletVersions: ['v1.24.10'],
      policyFor: 'v1.24',
      daemonSetVersion: 'v1.23.17',
      rollback: false,
    });
    expect(versionSkew(view, t0)).toHaveLength(1);
  });

  it('allows ±3 minors between kube-proxy and kubelet from 1.28 on, and says so as info', () => {
    const view = cluster({
      api: 'v1.30.2',
      kubelets: { w1: 'v1.29.5', w2: 'v1.29.5' },
      proxies: { w1: 'v1.30.2', w2: 'v1.30.2' },
    });
    const signals = versionSkew(view, t0);
    expect(signals.map((s) => [s.kind, s.severity, aspect(s)])).toEqual([
      ['version-mix', 'info', 'vs-kubelet'],
    ]);
    expect(signals[0].facts).toMatchObject({ nodes: ['w1', 'w2'], kubeletVersions: ['v1.29.5'] });
  });

  it('flags kube-proxy four minors from its kubelet even under the current policy', () => {
    const view = cluster({ api: 'v1.30.2', kubelets: { w1: 'v1.26.1' }, proxies: { w1: 'v1.30.2' } });
    const rules = versionSkew(view, t0).map(rule);
    expect(rules).toEqual(['kubelet-too-old-for-apiserver', 'kube-proxy-kubelet-skew']);
  });

  it('flags kube-proxy newer than the API server', () => {
    const view = cluster({ api: 'v1.29.0', kubelets: { w1: 'v1.29.0' }, proxies: { w1: 'v1.30.0' } });
    expect(versionSkew(view, t0).map(rule)).toContain('kube-proxy-newer-than-apiserver');
  });

  it('judges by the newest kubelet when the API server version is unknown', () => {
    const view = cluster({ kubelets: { w1: 'v1.25.3' }, proxies: { w1: 'v1.24.9' } });
    const [sig] = ofKind(versionSkew(view, t0), 'version-skew');
    expect(sig.facts).toMatchObject({ rule: 'kube-proxy-kubelet-same-minor', policyFor: 'v1.25' });
    expect(sig.facts.apiserverVersion).toBeUndefined();
  });

  it('reads kube-proxy from its pod image, never from nodeInfo.kubeProxyVersion', () => {
    const view = viewOf(
      { nodes: [node({ name: 'w1', kubeletVersion: 'v1.30.1', kubeProxyVersion: 'v1.20.0' })] },
      t0,
      [api('v1.30.1')],
    );
    expect(versionSkew(view, t0)).toEqual([]);
  });

  it('flags HA API servers more than one minor apart', () => {
    const view = viewOf({ nodes: [node({ name: 'w1', kubeletVersion: 'v1.28.1' })] }, t0, [
      api('v1.28.1', t0 - 10_000),
      api('v1.30.1', t0),
    ]);
    const [sig] = versionSkew(view, t0);
    expect(sig.facts).toMatchObject({
      component: 'kube-apiserver',
      rule: 'apiserver-ha-skew',
      versions: ['v1.28.1', 'v1.30.1'],
    });
  });

  it('forgets an old /version answer after an upgrade', () => {
    const view = viewOf({ nodes: [node({ name: 'w1', kubeletVersion: 'v1.30.1' })] }, t0, [
      api('v1.28.1', t0 - 600_000),
      api('v1.30.1', t0),
    ]);
    expect(versionSkew(view, t0)).toEqual([]);
  });
});

describe('versionSkew: mixes and rollbacks', () => {
  it('sees a kube-proxy downgrade rolling out', () => {
    const view = cluster({
      api: 'v1.30.1',
      kubelets: { w1: 'v1.30.1', w2: 'v1.30.1', w3: 'v1.30.1' },
      proxies: { w1: 'v1.30.1', w2: 'v1.30.1', w3: 'v1.29.6' },
      ds: 'v1.29.6',
    });
    const signals = versionSkew(view, t0);
    const across = signals.find((s) => aspect(s) === 'across-nodes');
    expect(across?.facts).toMatchObject({
      component: 'kube-proxy',
      nodes: ['w3'],
      versions: ['v1.29.6', 'v1.30.1'],
      versionCounts: ['v1.30.1=2', 'v1.29.6=1'],
      daemonSetVersion: 'v1.29.6',
      rollback: true,
    });
    expect(signals.every((s) => s.kind === 'version-mix')).toBe(true);
  });

  it('reports node image versions side by side as info, since the odd one changed', () => {
    const view = cluster({
      api: 'v1.28.2-do.0',
      kubelets: { a: 'v1.27.6-do.0', b: 'v1.27.6-do.0', c: 'v1.27.6-do.0' },
    });
    update(view, 'nodes', node({ name: 'c', kubeletVersion: 'v1.28.2-do.0' }), t0 - 600_000);
    const [sig] = versionSkew(view, t0);
    expect(sig.kind).toBe('version-mix');
    expect(sig.sinceMs).toBe(t0 - 600_000);
    expect(sig.facts).toMatchObject({ component: 'kubelet', aspect: 'across-nodes', nodes: ['c'] });
    expect(sig.scope.pools).toEqual(['v1.27.6-do.0', 'v1.28.2-do.0']);
  });

  it('counts the running kube-proxy, not the one terminating beside it', () => {
    const old = podWith(proxyPod('w1', 'v1.26.0', 'kube-proxy-old'), { terminating: true });
    const view = cluster({
      api: 'v1.30.1',
      kubelets: { w1: 'v1.30.1' },
      proxies: { w1: 'v1.30.1' },
      extraPods: [old],
    });
    expect(versionSkew(view, t0)).toEqual([]);
  });
});
