/**
 * Component versions judged by the Kubernetes version skew policy
 * (https://kubernetes.io/releases/version-skew-policy/, kubernetes.md §6). It reads the API
 * server's /version (our probe), each node's kubeletVersion, and each node's kube-proxy pod
 * image tag; never `nodeInfo.kubeProxyVersion`, which the kubelet fills with its own version.
 *
 * The rules, and when they changed:
 * - kube-apiserver HA instances (different /version answers behind one address): within 1 minor.
 * - kubelet: never newer than kube-apiserver; up to 3 minors older, but a kubelet < 1.25 only
 *   2 (the n-3 rule came with 1.28, kubernetes/website#42218; before it, 2 for everyone,
 *   which the "< 1.25" clause already covers).
 * - kube-proxy vs kube-apiserver: the same as kubelet.
 * - kube-proxy vs the kubelet on its node: up to 1.26 it had to be the *same minor*
 *   (website#22034, 2020); 1.27 relaxed that to ±2 (website#40672, #40932, April-May 2023);
 *   1.28 to ±3, ±2 for a kube-proxy < 1.25 (website#42218). We apply the policy of the
 *   cluster's own minor version: the API server's, else the newest kubelet's.
 *
 * Emits `version-skew` (warning) per violated rule, and `version-mix` (info) for differences
 * the policy allows: kubelets or kube-proxies on different versions across nodes, or a
 * kube-proxy on another minor than its kubelet. A DaemonSet template older than kube-proxy
 * pods still running means a downgrade is rolling out (`rollback`).
 */

import type { KubeObject } from '../kube/observations.ts';
import type { ClusterView } from '../observe/cluster-view.ts';
import { kubeletVersionKind } from '../observe/transition-log.ts';
import { probeGitVersion } from './probe-version.ts';
import type { Detector, Evidence, Signal } from './signal.ts';
import { uniqueSorted } from './signal.ts';
import type { VersionMixFacts, VersionSkewFacts } from './signal-kinds.ts';
import { timeMs } from './timestamps.ts';

const detector = 'version-skew';

/** /version answers older than this no longer describe the control plane (it may have been upgraded). */
export const apiserverMemoryMs = 5 * 60_000;

export interface KubeVersion {
  major: number;
  minor: number;
  patch: number;
  /** As written, e.g. `v1.31.2+k0s.0`, `v1.27.6-do.0`. */
  raw: string;
}

/** `v1.31.2+k0s.0`, `v1.27.6-do.0`, `1.24.10-eks-abc`: major.minor.patch, any suffix ignored. */
export function parseKubeVersion(text: string | undefined): KubeVersion | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text?.trim() ?? '');
  if (m?.[1] !== '1') return undefined;
  return { major: 1, minor: Number(m[2]), patch: Number(m[3] ?? 0), raw: text!.trim() };
}

/** The tag of an image reference (`registry:5000/kube-proxy:v1.29.3@sha256:…` → `v1.29.3`). */
export function imageTag(image: string): string | undefined {
  const ref = image.split('@')[0];
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref.slice(colon + 1) : undefined;
}

/** How many minors a kubelet or kube-proxy may trail the API server (current policy). */
export function allowedOlderThanApiserver(component: KubeVersion): number {
  return component.minor < 25 ? 2 : 3;
}

/** How far kube-proxy may be from its node's kubelet, by the policy of the cluster's minor. */
export function allowedProxyKubeletSkew(clusterMinor: number, proxy: KubeVersion): number {
  if (clusterMinor <= 26) return 0;
  if (clusterMinor === 27) return 2;
  return proxy.minor < 25 ? 2 : 3;
}

interface NodeView {
  status?: { nodeInfo?: { kubeletVersion?: string } };
}

interface PodView {
  spec?: { nodeName?: string; containers?: { name: string; image?: string }[] };
}

interface DaemonSetView {
  spec?: { template?: { spec?: { containers?: { name: string; image?: string }[] } } };
}

interface ProxyPod {
  name: string;
  node: string;
  version: KubeVersion;
  createdMs?: number;
}

export const versionSkew: Detector = (view, nowMs) => {
  const apiservers = apiserverVersions(view, nowMs);
  // Node rules are judged against the newest instance only: an older answer may be from an
  // instance already upgraded away, and kubeadm upgrades kube-proxy seconds after the last one.
  const apiserver = apiservers[apiservers.length - 1];
  const kubelets = new Map<string, KubeVersion>();
  const kubeletSince = new Map<string, number | undefined>();
  const changed = kubeletChanges(view);
  for (const n of view.list('nodes')) {
    const v = parseKubeVersion((n as KubeObject & NodeView).status?.nodeInfo?.kubeletVersion);
    if (!v) continue;
    kubelets.set(n.metadata.name, v);
    kubeletSince.set(n.metadata.name, changed.get(n.metadata.name) ?? timeMs(n.metadata.creationTimestamp));
  }
  const proxies = kubeProxyPods(view);
  const ds = kubeProxyDaemonSet(view);
  const clusterMinor = apiserver?.minor ?? Math.max(0, ...[...kubelets.values()].map((v) => v.minor));

  const out: Signal[] = [];
  const skew = (
    component: 'kubelet' | 'kube-proxy',
    rule: string,
    ruleText: string,
    hits: { node: string; version: KubeVersion; sinceMs?: number; kubelet?: KubeVersion }[],
  ) => {
    if (hits.length === 0) return;
    const nodes = uniqueSorted(hits.map((h) => h.node));
    const versions = uniqueSorted(hits.map((h) => h.version.raw));
    const facts: VersionSkewFacts = {
      component,
      rule,
      ruleText,
      versions,
      nodes,
      policyFor: `v1.${clusterMinor}`,
    };
    if (apiserver) facts.apiserverVersion = apiserver.raw;
    if (apiservers.length > 1) facts.apiserverVersions = apiservers.map((v) => v.raw);
    const kubeletVersions = hits.map((h) => h.kubelet?.raw).filter((v): v is string => v !== undefined);
    if (kubeletVersions.length) facts.kubeletVersions = uniqueSorted(kubeletVersions);
    if (component === 'kube-proxy') addDaemonSetFacts(facts, ds, proxies);
    const times = hits.map((h) => h.sinceMs).filter((t): t is number => t !== undefined);
    out.push({
      detector,
      kind: 'version-skew',
      subject: component === 'kube-proxy' && ds ? `daemonset/kube-system/${ds.name}` : 'cluster',
      severity: 'warning',
      sinceMs: times.length ? Math.min(...times) : nowMs,
      summary: `${component} ${versions.join(', ')} on ${nodes.length} node(s) breaks the version skew policy: ${ruleText}`,
      scope: { nodes, pools: versions },
      facts,
      evidence: evidenceOf(component, hits, apiserver),
    });
  };

  const ha = apiserverSkew(apiservers, clusterMinor, nowMs);
  if (ha) out.push(ha);

  if (apiserver) {
    const kubeletHits = [...kubelets].map(([node, version]) => ({
      node,
      version,
      sinceMs: kubeletSince.get(node),
    }));
    skew(
      'kubelet',
      'kubelet-newer-than-apiserver',
      `kubelet must not be newer than kube-apiserver ${apiserver.raw}`,
      kubeletHits.filter((h) => h.version.minor > apiserver.minor),
    );
    skew(
      'kubelet',
      'kubelet-too-old-for-apiserver',
      `kubelet may be at most 3 minors older than kube-apiserver ${apiserver.raw} (2 for kubelet < 1.25)`,
      kubeletHits.filter((h) => apiserver.minor - h.version.minor > allowedOlderThanApiserver(h.version)),
    );
    const proxyHits = proxies.map((p) => ({ node: p.node, version: p.version, sinceMs: p.createdMs }));
    skew(
      'kube-proxy',
      'kube-proxy-newer-than-apiserver',
      `kube-proxy must not be newer than kube-apiserver ${apiserver.raw}`,
      proxyHits.filter((h) => h.version.minor > apiserver.minor),
    );
    skew(
      'kube-proxy',
      'kube-proxy-too-old-for-apiserver',
      `kube-proxy may be at most 3 minors older than kube-apiserver ${apiserver.raw} (2 for kube-proxy < 1.25)`,
      proxyHits.filter((h) => apiserver.minor - h.version.minor > allowedOlderThanApiserver(h.version)),
    );
  }

  const paired = proxies
    .filter((p) => kubelets.has(p.node))
    .map((p) => ({ node: p.node, version: p.version, kubelet: kubelets.get(p.node)!, sinceMs: p.createdMs }));
  const beyond = paired.filter(
    (p) => Math.abs(p.version.minor - p.kubelet.minor) > allowedProxyKubeletSkew(clusterMinor, p.version),
  );
  skew(
    'kube-proxy',
    clusterMinor <= 26 ? 'kube-proxy-kubelet-same-minor' : 'kube-proxy-kubelet-skew',
    clusterMinor <= 26
      ? 'up to v1.26 kube-proxy must run the same minor version as the kubelet on its node'
      : clusterMinor === 27
        ? 'in v1.27 kube-proxy may be at most 2 minors older or newer than the kubelet on its node'
        : 'kube-proxy may be at most 3 minors older or newer than the kubelet on its node (2 for kube-proxy < 1.25)',
    beyond,
  );

  out.push(...mixes({ kubelets, kubeletSince, proxies, paired, beyond, ds, apiserver, nowMs }));
  return out;
};

/** Recent /version answers, oldest version first: behind a load balancer, HA instances may differ. */
function apiserverVersions(view: ClusterView, nowMs: number): KubeVersion[] {
  const seen = new Map<string, KubeVersion>();
  for (const p of view.probes.latest(view.probes.size)) {
    if (p.check !== 'version' || !p.ok || !p.body || p.atMs > nowMs) continue;
    // The newest answer always counts; older ones only while recent, so an upgrade is not remembered as HA skew.
    if (seen.size > 0 && p.atMs < nowMs - apiserverMemoryMs) break;
    const v = parseKubeVersion(probeGitVersion(p));
    if (v && !seen.has(v.raw)) seen.set(v.raw, v);
  }
  return [...seen.values()].sort(compare);
}

/** HA instances behind one address answer /version differently; more than one minor apart breaks policy. */
function apiserverSkew(apiservers: KubeVersion[], clusterMinor: number, nowMs: number): Signal | undefined {
  const oldest = apiservers[0];
  const newest = apiservers[apiservers.length - 1];
  if (!oldest || newest.minor - oldest.minor <= 1) return undefined;
  const versions = apiservers.map((v) => v.raw);
  return {
    detector,
    kind: 'version-skew',
    subject: 'cluster',
    severity: 'warning',
    sinceMs: nowMs,
    summary: `kube-apiserver instances answer as ${versions.join(', ')}: HA instances must be within one minor`,
    scope: { pools: versions },
    facts: {
      component: 'kube-apiserver',
      rule: 'apiserver-ha-skew',
      ruleText: 'the newest and oldest kube-apiserver instances must be within one minor version',
      versions,
      nodes: [],
      policyFor: `v1.${clusterMinor}`,
      apiserverVersion: newest.raw,
    },
    evidence: [
      { source: 'probe', ref: 'probe/version', text: `/version answered ${versions.join(' and ')}` },
    ],
  };
}

/** When each node's kubelet version last changed, as far as the transition history reaches. */
function kubeletChanges(view: ClusterView): ReadonlyMap<string, number> {
  return view.transitions.derive('version-skew/kubelet-changes', [kubeletVersionKind], (changes) => {
    const out = new Map<string, number>();
    for (const t of changes) out.set(t.key, t.atMs);
    return out;
  });
}

function isKubeProxy(o: KubeObject): boolean {
  const l = o.metadata.labels ?? {};
  return (
    o.metadata.namespace === 'kube-system' &&
    (l['k8s-app'] === 'kube-proxy' || l['component'] === 'kube-proxy')
  );
}

function proxyImage(containers: { name: string; image?: string }[] | undefined): string | undefined {
  return (containers?.find((c) => c.name === 'kube-proxy') ?? containers?.[0])?.image;
}

/** One kube-proxy per node: the running pod, not one that is terminating in a rollout. */
function kubeProxyPods(view: ClusterView): ProxyPod[] {
  const byNode = new Map<string, ProxyPod & { terminating: boolean }>();
  for (const raw of view.list('pods')) {
    if (!isKubeProxy(raw)) continue;
    const p = raw as KubeObject & PodView;
    const node = p.spec?.nodeName;
    const image = proxyImage(p.spec?.containers);
    const version = parseKubeVersion(image ? imageTag(image) : undefined);
    if (!node || !version) continue;
    const entry = {
      name: p.metadata.name,
      node,
      version,
      createdMs: timeMs(p.metadata.creationTimestamp),
      terminating: p.metadata.deletionTimestamp !== undefined,
    };
    const had = byNode.get(node);
    if (!had || (had.terminating && !entry.terminating)) byNode.set(node, entry);
  }
  return [...byNode.values()].map(({ terminating: _t, ...p }) => p);
}

function kubeProxyDaemonSet(view: ClusterView): { name: string; version: KubeVersion } | undefined {
  for (const d of view.list('daemonsets')) {
    if (d.metadata.namespace !== 'kube-system') continue;
    const image = proxyImage((d as KubeObject & DaemonSetView).spec?.template?.spec?.containers);
    if (!image || (!isKubeProxy(d) && d.metadata.name !== 'kube-proxy' && !/kube-proxy[^/]*:/.test(image)))
      continue;
    const version = parseKubeVersion(imageTag(image));
    if (version) return { name: d.metadata.name, version };
  }
  return undefined;
}

function compare(a: KubeVersion, b: KubeVersion): number {
  return a.minor - b.minor || a.patch - b.patch;
}

function addDaemonSetFacts(
  facts: VersionSkewFacts | VersionMixFacts,
  ds: { name: string; version: KubeVersion } | undefined,
  proxies: ProxyPod[],
): void {
  if (!ds) return;
  facts.daemonSetVersion = ds.version.raw;
  facts.rollback = proxies.some((p) => compare(ds.version, p.version) < 0);
}

interface MixInput {
  kubelets: Map<string, KubeVersion>;
  kubeletSince: Map<string, number | undefined>;
  proxies: ProxyPod[];
  paired: { node: string; version: KubeVersion; kubelet: KubeVersion }[];
  beyond: { node: string }[];
  ds: { name: string; version: KubeVersion } | undefined;
  apiserver: KubeVersion | undefined;
  nowMs: number;
}

/** Differences the policy allows: worth knowing during an upgrade, not alarming. */
function mixes(x: MixInput): Signal[] {
  const out: Signal[] = [];
  const proxySince = new Map(x.proxies.map((p) => [p.node, p.createdMs]));
  const mix = (
    component: string,
    aspect: string,
    nodes: string[],
    versions: string[],
    text: string,
    since: (number | undefined)[],
    extra: Partial<VersionMixFacts> = {},
  ) => {
    const known = since.filter((t): t is number => t !== undefined);
    const facts: VersionMixFacts = { component, aspect, versions, nodes, ...extra };
    if (x.apiserver) facts.apiserverVersion = x.apiserver.raw;
    if (component === 'kube-proxy') addDaemonSetFacts(facts, x.ds, x.proxies);
    out.push({
      detector,
      kind: 'version-mix',
      subject: 'cluster',
      severity: 'info',
      // The mix began when its first odd member appeared.
      sinceMs: known.length ? Math.min(...known) : x.nowMs,
      summary: text,
      scope: { nodes, pools: versions },
      facts,
      evidence: [],
    });
  };
  for (const [component, byNode] of [
    ['kubelet', [...x.kubelets].map(([node, v]) => ({ node, v }))],
    ['kube-proxy', x.proxies.map((p) => ({ node: p.node, v: p.version }))],
  ] as const) {
    const counts = new Map<string, string[]>();
    for (const { node, v } of byNode) {
      const list = counts.get(v.raw);
      if (list) list.push(node);
      else counts.set(v.raw, [node]);
    }
    if (counts.size < 2) continue;
    const ranked = [...counts].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
    const minority = ranked.slice(1).flatMap(([, nodes]) => nodes);
    mix(
      component,
      'across-nodes',
      uniqueSorted(minority),
      uniqueSorted(counts.keys()),
      `${component} runs ${counts.size} versions across nodes: ${ranked.map(([v, n]) => `${v} on ${n.length}`).join(', ')}`,
      minority.map((n) => (component === 'kubelet' ? x.kubeletSince : proxySince).get(n)),
      { versionCounts: ranked.map(([v, n]) => `${v}=${n.length}`) },
    );
  }
  const beyond = new Set(x.beyond.map((b) => b.node));
  const offMinor = x.paired.filter((p) => p.version.minor !== p.kubelet.minor && !beyond.has(p.node));
  if (offMinor.length)
    mix(
      'kube-proxy',
      'vs-kubelet',
      uniqueSorted(offMinor.map((p) => p.node)),
      uniqueSorted(offMinor.map((p) => p.version.raw)),
      `kube-proxy runs another minor than the kubelet on ${offMinor.length} node(s), within the skew policy`,
      offMinor.map(
        (p) => Math.max(proxySince.get(p.node) ?? 0, x.kubeletSince.get(p.node) ?? 0) || undefined,
      ),
      { kubeletVersions: uniqueSorted(offMinor.map((p) => p.kubelet.raw)) },
    );
  return out;
}

function evidenceOf(
  component: string,
  hits: { node: string; version: KubeVersion; kubelet?: KubeVersion }[],
  apiserver: KubeVersion | undefined,
): Evidence[] {
  const out: Evidence[] = hits.slice(0, 5).map((h) => ({
    source: 'object',
    ref: `node/${h.node}`,
    text: `${component} ${h.version.raw}${h.kubelet ? ` beside kubelet ${h.kubelet.raw}` : ''}`,
  }));
  if (apiserver) out.push({ source: 'probe', ref: 'probe/version', text: `kube-apiserver ${apiserver.raw}` });
  return out;
}
