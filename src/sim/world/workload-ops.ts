/**
 * What `kubectl rollout restart`, `kubectl scale`, `kubectl set env|resources|image` and a CI deploy do to
 * a workload: change its spec, and let the Deployment or DaemonSet controller roll the
 * pods. StatefulSets run as Deployments in the simulator, so both are found here.
 */

import type { Clock } from '../../time/clock.ts';
import { rfc3339 } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { type ResourceType, resourceForKind } from '../api/resources.ts';
import type { ObjectStore } from '../store/object-store.ts';

const kinds = [resourceForKind('Deployment', 'apps')!, resourceForKind('DaemonSet', 'apps')!];

/** A container's requests or limits as the pod spec keys them (`cpu`, `memory`, `ephemeral-storage`). */
export type ResourceList = Record<string, string>;

interface ContainerView {
  name: string;
  image?: string;
  env?: { name: string; value?: string }[];
  resources?: { requests?: ResourceList; limits?: ResourceList };
}

interface WorkloadView {
  spec?: {
    replicas?: number;
    template?: {
      metadata?: { annotations?: Record<string, string> } & Record<string, unknown>;
      spec?: { containers?: ContainerView[] } & Record<string, unknown>;
    };
  } & Record<string, unknown>;
}

type Workload = KubeObject & WorkloadView;

export class WorkloadOps {
  private readonly store: ObjectStore;
  private readonly clock: Clock;

  constructor(o: { store: ObjectStore; clock: Clock }) {
    this.store = o.store;
    this.clock = o.clock;
  }

  private find(ref: string): { r: ResourceType; w: Workload } | undefined {
    const [ns, name] = ref.split('/');
    for (const r of kinds) {
      const w = this.store.find(r, ns, name) as Workload | undefined;
      if (w) return { r, w };
    }
    return undefined;
  }

  private updateTemplate(
    ref: string,
    change: (t: NonNullable<WorkloadView['spec']>['template']) => void,
  ): boolean {
    const found = this.find(ref);
    if (!found) return false;
    const w = structuredClone(found.w);
    w.spec ??= {};
    w.spec.template ??= {};
    change(w.spec.template);
    this.store.update(found.r, w);
    return true;
  }

  /** `kubectl rollout restart`: the restartedAt annotation changes the template. */
  restart(ref: string): boolean {
    return this.updateTemplate(ref, (t) => {
      t!.metadata ??= {};
      t!.metadata.annotations = {
        ...t!.metadata.annotations,
        'kubectl.kubernetes.io/restartedAt': rfc3339(this.clock.now()),
      };
    });
  }

  scale(ref: string, replicas: number): boolean {
    const found = this.find(ref);
    if (found?.r.kind !== 'Deployment') return false;
    this.store.update(found.r, { ...found.w, spec: { ...found.w.spec, replicas } });
    return true;
  }

  /** `kubectl set env`: every container, or the one named. */
  setEnv(ref: string, env: Record<string, string>, container?: string): boolean {
    return this.updateTemplate(ref, (t) => {
      for (const c of t?.spec?.containers ?? []) {
        if (container && c.name !== container) continue;
        const rest = (c.env ?? []).filter((e) => !(e.name in env));
        c.env = [...rest, ...Object.entries(env).map(([name, value]) => ({ name, value }))];
      }
    });
  }

  /**
   * `kubectl set resources`: the named container's requests and limits, merged over those it
   * has (a resource not named keeps its value). The template keeps what was given; the pods
   * made from it get a request for each limit without one when they are created (admission).
   */
  setResources(
    ref: string,
    container: string,
    change: { requests?: ResourceList; limits?: ResourceList },
  ): boolean {
    return this.updateTemplate(ref, (t) => {
      const c = t?.spec?.containers?.find((x) => x.name === container);
      if (!c) return;
      const limits = { ...c.resources?.limits, ...change.limits };
      const requests = { ...c.resources?.requests, ...change.requests };
      c.resources = {
        ...(Object.keys(limits).length ? { limits } : {}),
        ...(Object.keys(requests).length ? { requests } : {}),
      };
    });
  }

  /** `kubectl set image`: the named container's image. */
  setImage(ref: string, container: string, image: string): boolean {
    return this.updateTemplate(ref, (t) => {
      const c = t?.spec?.containers?.find((x) => x.name === container);
      if (c) c.image = image;
    });
  }

  /** A routine deploy: every container's image moves to its next build. */
  deploy(ref: string): boolean {
    return this.updateTemplate(ref, (t) => {
      for (const c of t?.spec?.containers ?? []) c.image = nextBuild(c.image ?? 'app:1');
    });
  }
}

/** `app:1.4.2` → `app:1.4.3`, `app:v7` → `app:v8`, `app` → `app:2`. */
export function nextBuild(image: string): string {
  const colon = image.lastIndexOf(':');
  if (colon <= image.lastIndexOf('/')) return `${image}:2`;
  const tag = image.slice(colon + 1);
  const m = /(\d+)(\D*)$/.exec(tag);
  if (!m) return `${image}-2`;
  const next = `${tag.slice(0, m.index)}${Number(m[1]) + 1}${m[2]}`;
  return `${image.slice(0, colon + 1)}${next}`;
}
