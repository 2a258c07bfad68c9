/**
 * Each served request as the apiserver's filters see it: who asks (the kubeconfig's user,
 * or whom it impersonates), which FlowSchema and priority level APF puts it in, whether it
 * waits in queue or is turned away (429 `Too many requests, please try again later.` with
 * `Retry-After`, apiserver `util/flowcontrol/apf_filter.go` and `endpoints/responsewriters`),
 * and, when it is done, its line in `apiserver_request_total` and
 * `apiserver_request_duration_seconds` with the labels of `endpoints/metrics`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../time/clock.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { type FlowRequest, type RequestUser, requestUser } from './apf.ts';
import type { ApiLoad } from './api-load.ts';
import type { ApiServerMetrics } from './apiserver-metrics.ts';
import { parseApiPath } from './request-path.ts';
import { findResource, resourceForKind } from './resources.ts';
import { tooManyRequests } from './status.ts';

const flowSchemaType = resourceForKind('FlowSchema', 'flowcontrol.apiserver.k8s.io')!;
const priorityLevelType = resourceForKind('PriorityLevelConfiguration', 'flowcontrol.apiserver.k8s.io')!;

/** Who a kubeconfig from `kubeadm init` (and the simulator's) authenticates as, since 1.29. */
export const adminUser: RequestUser = requestUser('kubernetes-admin', ['kubeadm:cluster-admins']);

/** Non-resource paths apiserver metrics name as themselves (the rest are `other`). */
const namedPaths = /^\/(healthz|livez|readyz|metrics|version|openapi\/v2|openapi\/v3)/;

export interface RequestInfo {
  flow: FlowRequest;
  labels: Record<string, string>;
  longRunning: boolean;
}

/** What a request is, in APF's and the metrics' terms. */
export function requestInfo(method: string, url: URL, contentType: string | undefined): RequestInfo {
  const p = parseApiPath(url.pathname);
  const m = method.toLowerCase();
  if (p.type !== 'resource') {
    const sub = namedPaths.exec(url.pathname)?.[0] ?? '';
    return {
      flow: { verb: m, path: url.pathname },
      labels: {
        component: 'apiserver',
        dry_run: '',
        group: '',
        resource: '',
        scope: '',
        subresource: sub,
        verb: method,
        version: '',
      },
      longRunning: false,
    };
  }
  const q = url.searchParams;
  const watch = p.watchPrefix === true || q.get('watch') === 'true' || q.get('watch') === '1';
  const collection = p.name === undefined;
  const verb =
    m === 'get'
      ? watch
        ? 'watch'
        : collection
          ? 'list'
          : 'get'
      : m === 'post'
        ? 'create'
        : m === 'put'
          ? 'update'
          : m === 'delete'
            ? collection
              ? 'deletecollection'
              : 'delete'
            : m;
  const applying = m === 'patch' && (contentType ?? '').startsWith('application/apply-patch');
  const reported =
    verb === 'watch'
      ? 'WATCH'
      : verb === 'list'
        ? 'LIST'
        : applying
          ? 'APPLY'
          : verb === 'deletecollection'
            ? 'DELETE'
            : method;
  const r = findResource(p.group, p.version, p.plural);
  const namespaced = r?.namespaced ?? p.namespace !== undefined;
  const scope = !collection ? 'resource' : namespaced && p.namespace ? 'namespace' : 'cluster';
  return {
    flow: {
      verb,
      group: p.group,
      resource: p.subresource ? `${p.plural}/${p.subresource}` : p.plural,
      namespace: p.namespace,
      path: url.pathname,
    },
    labels: {
      component: 'apiserver',
      dry_run: q.get('dryRun') === 'All' ? 'All' : '',
      group: p.group,
      resource: p.plural,
      scope,
      subresource: p.subresource ?? '',
      verb: reported,
      version: p.version,
    },
    longRunning: watch || p.subresource === 'log' || p.subresource === 'proxy',
  };
}

/** The requester: an impersonated identity when asked for (kubectl --as), the admin otherwise. */
function userOf(req: IncomingMessage): RequestUser {
  const as = req.headers['impersonate-user'];
  if (typeof as !== 'string' || !as) return adminUser;
  const groups = req.headers['impersonate-group'];
  return requestUser(as, Array.isArray(groups) ? groups : groups ? [groups] : []);
}

export class RequestAccounting {
  private readonly o: {
    load: ApiLoad;
    metrics: ApiServerMetrics;
    clock: Clock;
    store: ObjectStore;
    random: () => number;
  };

  constructor(o: {
    load: ApiLoad;
    metrics: ApiServerMetrics;
    clock: Clock;
    store: ObjectStore;
    random: () => number;
  }) {
    this.o = o;
  }

  /**
   * Admits a request through APF: waits its turn or throws the 429. Returns what records it
   * once it is answered (with the response's status code).
   */
  async begin(req: IncomingMessage, url: URL, res: ServerResponse): Promise<(code: number) => void> {
    const { load, metrics, clock } = this.o;
    const info = requestInfo(req.method ?? 'GET', url, req.headers['content-type']);
    const started = clock.now();
    const { flowSchema, state } = load.admit(userOf(req), info.flow);
    const fl = { flow_schema: flowSchema.name, priority_level: state.level.name };
    if (!state.level.exempt) {
      const fsUid = this.o.store.find(flowSchemaType, '', flowSchema.name)?.metadata.uid;
      const plUid = this.o.store.find(priorityLevelType, '', state.level.name)?.metadata.uid;
      if (fsUid) res.setHeader('X-Kubernetes-PF-FlowSchema-UID', fsUid);
      if (plUid) res.setHeader('X-Kubernetes-PF-PriorityLevel-UID', plUid);
      if (state.rejectShare > 0 && this.o.random() < state.rejectShare) {
        metrics.inc('apiserver_flowcontrol_rejected_requests_total', { ...fl, reason: 'queue-full' });
        metrics.inc('apiserver_request_total', { ...info.labels, code: '429' });
        throw tooManyRequests('Too many requests, please try again later.', 1);
      }
      if (state.waitSeconds > 0 && !info.longRunning) await clock.sleep(state.waitSeconds * 1000);
      metrics.inc('apiserver_flowcontrol_dispatched_requests_total', fl);
      metrics.observe(
        'apiserver_flowcontrol_request_wait_duration_seconds',
        { ...fl, execute: 'true' },
        state.waitSeconds,
      );
    }
    return (code) => {
      metrics.inc('apiserver_request_total', { ...info.labels, code: String(code) });
      if (!info.longRunning)
        metrics.observe('apiserver_request_duration_seconds', info.labels, (clock.now() - started) / 1000);
    };
  }
}
