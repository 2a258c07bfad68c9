/**
 * Component upgrades and rollbacks, as the tools that do them behave: the API server's
 * version moves at once; kubelets, container runtimes and node images move machine by
 * machine (cordon, drain, restart or reboot, wait Ready, uncordon); the service proxy,
 * cluster DNS and node-local DNS move by changing their DaemonSet or Deployment image and
 * letting the controllers roll the pods. What changes is only what a real cluster shows:
 * nodeInfo, images, /version. Whether a change breaks something is a separate fault.
 */
import type { Clock } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { cniAgent } from '../cluster/cni-agent.ts';
import type { Component, NodeTarget, Scenario } from '../scenario/schema.ts';
import { parseDuration } from '../scenario/time-spec.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { kubeadmUpgradeRoles, minorOf } from './kubeadm-roles.ts';
import type { NodeOps, RollPace } from './node-operations.ts';
import { rollNodes } from './node-operations.ts';

const dsType = resourceForKind('DaemonSet', 'apps')!;
const deploymentType = resourceForKind('Deployment', 'apps')!;

export interface VersionChange {
  component: Component;
  to: string;
  nodes?: NodeTarget;
  by?: string;
  kernel?: string;
  osImage?: string;
  /** A node image's own kubelet, which the machine boots with. */
  kubeletVersion?: string;
  /** The cgroup hierarchy the new image mounts. */
  cgroup?: 'v1' | 'v2';
  maxUnavailable?: number;
  interval?: string;
  /** Drain each node first (operators do; a provider's automation may not). */
  drain?: boolean;
}

interface TemplateView {
  spec?: {
    updateStrategy?: Record<string, unknown>;
    template?: { spec?: { containers?: { name: string; image?: string }[] } };
  };
}

/** `v1.28.2` whatever the file wrote. */
export function vForm(version: string): string {
  return version.startsWith('v') ? version : `v${version}`;
}

export class VersionChanges {
  private readonly o: {
    scenario: Scenario;
    store: ObjectStore;
    clock: Clock;
    ops: NodeOps;
    nodesFor: (t: NodeTarget) => string[];
    setApiVersion: (gitVersion: string) => void;
    /** The machine boots into an OS that mounts this cgroup hierarchy (ground truth, not in the Node). */
    setCgroup: (node: string, cgroup: 'v1' | 'v2') => void;
  };

  /** The control plane's minor now (it moves with upgrades and rollbacks). */
  private minor: number;

  constructor(o: VersionChanges['o']) {
    this.o = o;
    this.minor = minorOf(o.scenario.cluster.kubernetesVersion);
  }

  /** A self-managed control plane moves minor: kubeadm relabels the control-plane nodes. */
  private controlPlaneMinor(to: string): void {
    const next = minorOf(to);
    if (!this.o.scenario.cluster.controlPlane.managed) kubeadmUpgradeRoles(this.o.store, this.minor, next);
    this.minor = next;
  }

  async change(c: VersionChange): Promise<void> {
    const { scenario } = this.o;
    const pace: RollPace = {
      maxUnavailable: c.maxUnavailable ?? 1,
      intervalMs: c.interval ? parseDuration(c.interval) : undefined,
      waitReady: true,
    };
    const drain = c.drain ?? c.by !== 'automation';
    switch (c.component) {
      case 'control-plane':
        this.o.setApiVersion(vForm(c.to));
        this.controlPlaneMinor(c.to);
        return;
      case 'kubelet':
        return this.perNode(c, pace, drain, (n) =>
          this.o.ops.restartKubelet(n, { kubeletVersion: vForm(c.to) }),
        );
      case 'container-runtime': {
        const runtime = scenario.cluster.nodePools[0]?.containerRuntime.split('://')[0] ?? 'containerd';
        return this.perNode(c, pace, false, (n) =>
          this.o.ops.restartKubelet(n, { containerRuntimeVersion: `${runtime}://${c.to.replace(/^v/, '')}` }),
        );
      }
      case 'node-os':
      case 'node-image': {
        const info: Record<string, string> = {};
        if (c.kernel) info.kernelVersion = c.kernel;
        if (c.osImage) info.osImage = c.osImage;
        if (c.kubeletVersion) info.kubeletVersion = vForm(c.kubeletVersion);
        const cgroup = c.cgroup;
        return this.perNode(c, pace, drain, (n) => {
          if (cgroup) this.o.setCgroup(n, cgroup);
          return this.o.ops.reboot(n, 120_000, info);
        });
      }
      case 'service-proxy': {
        const proxy = scenario.cluster.serviceProxy.kind;
        this.setImage(
          dsType,
          'kube-system',
          proxy === 'other' ? 'service-proxy' : proxy,
          c.to,
          pace.maxUnavailable,
        );
        return;
      }
      case 'dns':
        this.setImage(
          deploymentType,
          'kube-system',
          scenario.cluster.dns.kind === 'coredns' ? 'coredns' : 'kube-dns',
          c.to,
        );
        return;
      case 'node-local-dns':
        this.setImage(dsType, 'kube-system', 'node-local-dns', c.to, pace.maxUnavailable);
        return;
      case 'cni': {
        const cni = scenario.cluster.cni;
        const name = cni?.mode ? cniAgent(cni, scenario.cluster.region).name : cni?.kind;
        if (name) this.setImage(dsType, 'kube-system', name, c.to, pace.maxUnavailable);
        return;
      }
      case 'distribution': {
        // A distribution upgrade (k0sctl, kubeadm-based tools) moves every Kubernetes part.
        const k8s = vForm(c.to).replace(/\+.*$/, '');
        this.o.setApiVersion(vForm(c.to));
        const proxy = scenario.cluster.serviceProxy;
        if (proxy.kind === 'kube-proxy')
          this.setImage(dsType, 'kube-system', 'kube-proxy', k8s, pace.maxUnavailable);
        return this.perNode(c, pace, drain, (n) =>
          this.o.ops.restartKubelet(n, { kubeletVersion: vForm(c.to) }),
        );
      }
    }
  }

  private perNode(c: VersionChange, pace: RollPace, drain: boolean, step: (node: string) => Promise<void>) {
    const { ops, clock } = this.o;
    const nodes = this.o.nodesFor(c.nodes ?? {});
    return rollNodes(clock, nodes, pace, async (n) => {
      if (drain) await ops.drain(n);
      await step(n);
      if (pace.waitReady) await ops.waitReady(n);
      if (drain) ops.cordon(n, false);
    });
  }

  /** Sets the image tag of every container of a workload; its controller rolls the pods. */
  private setImage(
    r: typeof dsType,
    namespace: string,
    name: string,
    to: string,
    maxUnavailable?: number,
  ): void {
    const w = this.o.store.find(r, namespace, name) as (KubeObject & TemplateView) | undefined;
    if (!w?.spec?.template?.spec?.containers) return;
    const containers = w.spec.template.spec.containers.map((ct) => ({
      ...ct,
      image: `${(ct.image ?? name).replace(/:[^:/]*$/, '')}:${vForm(to)}`,
    }));
    const spec = {
      ...w.spec,
      template: { ...w.spec.template, spec: { ...w.spec.template.spec, containers } },
      ...(r === dsType
        ? {
            updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: maxUnavailable ?? 1 } },
          }
        : {}),
    };
    this.o.store.update(r, { ...w, spec });
  }
}
