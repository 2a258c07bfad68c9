/**
 * The API paths of the node agent on one simulated machine (what `ApiPaths` is on a node): the
 * agent's requests, applied in process to the simulator's store with the operations the
 * simulated API server's handlers use for them (the patch of `nodes/<n>/status` in the content
 * type the agent sends, create and patch of Events, GET of a Node or Service), not over HTTP: the server's
 * handler takes Node's IncomingMessage/ServerResponse and has no in-process entry yet. A
 * request from a machine that cannot reach the API server (its host network down, the server
 * not answering) fails after the agent's 10 s request timeout with status 0, as a dial that
 * never completes does; a write the server cannot persist fails with 504.
 */
import type { ApiPaths } from '../../agent/api-paths.ts';
import { ApiRequestError, type ApiResponse } from '../../kube/api-client.ts';
import type { Clock } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { applyPatch, MERGE_PATCH } from '../api/patch.ts';
import { resourceForKind } from '../api/resources.ts';
import { ApiError } from '../api/status.ts';
import type { ObjectStore } from '../store/object-store.ts';
import type { NodeMachines } from './node-machines.ts';
import { type PeerEchoPods, peerService } from './peer-echo-pods.ts';
import type { ScenarioWorld } from './scenario-world.ts';

const nodeType = resourceForKind('Node')!;
const eventType = resourceForKind('Event')!;
const serviceType = resourceForKind('Service')!;
const requestTimeoutMs = 10_000;

export interface AgentApiParts {
  node: string;
  store: ObjectStore;
  clock: Clock;
  world: ScenarioWorld;
  machines: NodeMachines;
  peers: PeerEchoPods;
}

type SendArgs = Parameters<ApiPaths['send']>;

export class AgentApi
  implements Pick<ApiPaths, 'getJson' | 'send' | 'setEndpoints' | 'noteVip' | 'noteEndpoint'>
{
  private readonly p: AgentApiParts;

  constructor(p: AgentApiParts) {
    this.p = p;
  }

  // One API server behind the VIP and the endpoint: which path a request takes changes nothing here.
  setEndpoints(): void {}
  noteVip(): void {}
  noteEndpoint(): void {}

  /** Waits out the request timeout when the API server cannot be reached from this machine. */
  private async reach(): Promise<void> {
    const reachable = this.p.machines.host(this.p.node).reachesApi && this.p.world.deps.cluster.apiServerUp;
    if (reachable) return;
    await this.p.clock.sleep(requestTimeoutMs);
    throw new ApiRequestError(`context deadline exceeded (Client.Timeout ${requestTimeoutMs / 1000}s)`, {
      status: 0,
      reason: 'Timeout',
    });
  }

  private answer<T>(body: unknown): ApiResponse<T> {
    return { status: 200, body: body as T, latencyMs: 0 };
  }

  async getJson<T>(path: string): Promise<ApiResponse<T>> {
    await this.reach();
    const node = /^\/api\/v1\/nodes\/([^/]+)$/.exec(path);
    if (node) return this.answer(this.found(this.p.store.find(nodeType, '', decodeURIComponent(node[1]))));
    const svc = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)$/.exec(path);
    if (svc)
      return this.answer(
        this.found(this.p.store.find(serviceType, decodeURIComponent(svc[1]), decodeURIComponent(svc[2]))),
      );
    if (path === `/apis/discovery.k8s.io/v1/namespaces/${peerService.namespace}/endpointslices`)
      return this.answer(this.p.peers.endpointSlices());
    throw new ApiRequestError(`the server could not find the requested resource (get ${path})`, {
      status: 404,
      reason: 'NotFound',
    });
  }

  async send<T>(...[method, path, body, o]: SendArgs): Promise<ApiResponse<T>> {
    await this.reach();
    if (this.p.world.deps.cluster.apiWritable === false)
      throw new ApiRequestError('etcdserver: request timed out', { status: 504, reason: 'Timeout' });
    const patchType = o?.contentType ?? MERGE_PATCH;
    try {
      const status = /^\/api\/v1\/nodes\/([^/]+)\/status$/.exec(path);
      if (method === 'PATCH' && status) {
        const current = this.found(this.p.store.find(nodeType, '', decodeURIComponent(status[1])));
        const patched = applyPatch(patchType, current, JSON.stringify(body), 'Node');
        return this.answer(this.p.store.update(nodeType, patched, { subresource: 'status' }));
      }
      if (method === 'POST' && path === '/api/v1/namespaces/default/events')
        return this.answer(this.p.store.create(eventType, body as KubeObject));
      const event = /^\/api\/v1\/namespaces\/default\/events\/([^/]+)$/.exec(path);
      if (method === 'PATCH' && event) {
        const current = this.found(this.p.store.find(eventType, 'default', decodeURIComponent(event[1])));
        return this.answer(
          this.p.store.update(eventType, applyPatch(patchType, current, JSON.stringify(body), 'Event')),
        );
      }
    } catch (err) {
      if (err instanceof ApiError)
        throw new ApiRequestError(err.message, { status: err.code, reason: err.reason });
      throw err;
    }
    throw new ApiRequestError(
      `the server does not allow this method on the requested resource (${method} ${path})`,
      {
        status: 405,
        reason: 'MethodNotAllowed',
      },
    );
  }

  private found(o: KubeObject | undefined): KubeObject {
    if (!o) throw new ApiRequestError('not found', { status: 404, reason: 'NotFound' });
    return o;
  }
}
