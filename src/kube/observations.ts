/**
 * What the sources hand to `observe`: the contract shared by the live feed (reflectors
 * and probes over HTTP) and the replay feed (the simulator's in-process events). Both
 * produce exactly these values, so everything after the source is the same code.
 */

import type { WriteRefusal } from './write-refusal.ts';

/** A Kubernetes object as kubetriage keeps it: trimmed to the fields it reads. */
export interface KubeObject {
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid?: string; controller?: boolean }[];
  };
  [field: string]: unknown;
}

/** The resources kubetriage watches. */
export const watchedResources = [
  'nodes',
  'pods',
  'events',
  'leases',
  'services',
  'endpointslices',
  'deployments',
  'replicasets',
  'daemonsets',
  'poddisruptionbudgets',
  // Admission webhooks (admission-inventory.ts): a role without the grant reads them as "not checked".
  'validatingwebhookconfigurations',
  'mutatingwebhookconfigurations',
] as const;
export type WatchedResource = (typeof watchedResources)[number];

export type ApiCheck = 'livez' | 'readyz' | 'version';

export type MetricsComponent = 'kube-proxy' | 'ingress-nginx' | 'ingress-envoy' | 'kube-apiserver';

export type Observation =
  /** A complete list: the resource now holds exactly these objects. */
  | { type: 'listed'; resource: WatchedResource; items: KubeObject[]; resourceVersion: string; atMs: number }
  | { type: 'upsert'; resource: WatchedResource; object: KubeObject; atMs: number }
  | { type: 'delete'; resource: WatchedResource; object: KubeObject; atMs: number }
  /**
   * A source worked, or failed: reflectors, probes and log tails all report this way.
   * `forbidden`: it failed with 403, a grant kubetriage's role lacks, not a failing cluster.
   */
  | { type: 'source'; source: string; ok: boolean; error?: string; forbidden?: boolean; atMs: number }
  /** One answer (or non-answer) of the API server to the tool's own probe. */
  | {
      type: 'probe';
      check: ApiCheck;
      ok: boolean;
      latencyMs: number;
      status?: number;
      body?: string;
      error?: string;
      atMs: number;
    }
  /**
   * A scrape of a component's Prometheus endpoint: kube-proxy through nodes/{name}/proxy,
   * the ingress controller through pods/{name}/proxy (then `pod` is `namespace/name`).
   */
  | { type: 'metrics'; node: string; component: MetricsComponent; pod?: string; text: string; atMs: number }
  /**
   * One GET of a public URL from where the tool runs (`--probe-url`): the outside-in view.
   * `ok` is false for a 5xx answer or no answer; `errorKind` says which (url-probe.ts).
   */
  | {
      type: 'url-probe';
      url: string;
      ok: boolean;
      latencyMs: number;
      status?: number;
      error?: string;
      errorKind?: string;
      atMs: number;
    }
  /**
   * The certificate a TLS server presented to the tool's own handshake (tls-certificate.ts),
   * PEM, read whether or not it verifies: an expired one is the finding, not a failed read.
   * `authorizationError` is Node's verdict against the kubeconfig's CA (`CERT_HAS_EXPIRED`).
   * `clientClockMs`: the reader's own clock then, which TLS judges dates by (`atMs` is in
   * the cluster's time); absent when they are one clock.
   */
  | {
      type: 'certificate';
      source: string;
      pem: string;
      authorizationError?: string;
      clientClockMs?: number;
      atMs: number;
    }
  /**
   * One server-side dry-run create (`?dryRun=All`) of `target` (`configmaps/<namespace>`):
   * whether the write path took it, and when not, the refusal read into a cause (write-probe.ts).
   */
  | {
      type: 'write-probe';
      target: string;
      ok: boolean;
      latencyMs: number;
      status?: number;
      error?: string;
      refusal?: WriteRefusal;
      atMs: number;
    }
  /** Node usage from the resource metrics API (metrics.k8s.io), quantities as served. */
  | { type: 'node-usage'; items: NodeUsageSample[]; atMs: number }
  /** New lines of a kube-system component's log, oldest first. */
  | {
      type: 'logs';
      namespace: string;
      pod: string;
      container: string;
      node?: string;
      lines: string[];
      atMs: number;
    };

export interface NodeUsageSample {
  node: string;
  /** Quantities as the API serves them, e.g. `12436m`, `4991296Ki`. */
  cpu: string;
  memory: string;
  /** RFC 3339 end of the sampling window and its length (`1m0s`). */
  timestamp: string;
  window: string;
}

export type ObservationSink = (o: Observation) => void;
