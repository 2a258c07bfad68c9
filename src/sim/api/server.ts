/**
 * The simulated kube-apiserver: plain `node:http` on loopback (watch streaming needs exact
 * control of chunks), routing each request to discovery, health, the REST verbs, watch,
 * logs, eviction or node proxy. Protocol faults sit in front of everything, and every
 * failure leaves as a `Status` body, never a crash or a hang (except the injected hang).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Clock } from '../../time/clock.ts';
import type { ControlPlane, ReplicaView } from '../cluster/control-plane.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { ClusterIpAllocator } from './admission.ts';
import type { AdmissionWebhooks } from './admission-webhooks.ts';
import type { ApiServerMetrics } from './apiserver-metrics.ts';
import {
  dryRunCreateRoundTrip,
  etcdRoundTrip,
  isDryRunCreate,
  needsEtcd,
  ReplicaUnavailable,
  routeToReplica,
} from './control-plane-requests.ts';
import { apiGroupDoc, apiGroupList, apiResourceList, apiVersions } from './discovery.ts';
import { evictPod } from './eviction.ts';
import type { FaultState, ProtocolFaults } from './faults.ts';
import { parseJsonObject, readBody, sendJson, sendStatus, sendText } from './http-io.ts';
import { type ListQuery, parseListQuery } from './list-options.ts';
import { type NodeProxyRegistry, parseProxyTarget, podEndpointKey } from './node-proxy.ts';
import { OpenApiDocuments, serveOpenApi } from './openapi.ts';
import type { PodLogBook } from './pod-log-book.ts';
import { handlePodLog } from './pod-logs.ts';
import { authorize, type TokenSubject } from './rbac.ts';
import { healthWaitMs, serveHealth } from './readyz.ts';
import type { RequestAccounting } from './request-accounting.ts';
import { parseApiPath } from './request-path.ts';
import {
  handleCreate,
  handleDelete,
  handleDeleteCollection,
  handleGet,
  handleList,
  handlePatch,
  handleUpdate,
  type ResourceContext,
  type ResourceTarget,
} from './resource-handlers.ts';
import {
  findResource,
  type ResourceType,
  resourceForKind,
  type ServedFilter,
  servedBy,
} from './resources.ts';
import type { ServingCert } from './serving-cert.ts';
import {
  ApiError,
  badRequest,
  internalError,
  methodNotSupported,
  notFound,
  pathNotFound,
  serviceUnavailable,
  unauthorized,
} from './status.ts';
import { type ActiveWatch, startWatch, type WatchSettings } from './watch-handler.ts';

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
}

export interface SimApiServerOptions {
  store: ObjectStore;
  clock: Clock;
  logs: PodLogBook;
  nodeProxy: NodeProxyRegistry;
  faults: ProtocolFaults;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string;
  /**
   * Tokens bound to roles (besides `token`, which may do anything): a request with one is
   * authorized by RBAC and refused with 403 where the roles do not grant it.
   */
  tokens?: ReadonlyMap<string, TokenSubject>;
  version?: VersionInfo;
  /** Whether the API server reaches a node's kubelet and components (a node's network can be down). */
  nodeReachable?: (node: string) => boolean;
  watch?: Partial<WatchSettings>;
  /** Serve HTTPS with this key and certificate (PEM); plain HTTP without it. */
  tls?: ServingCert;
  /** Add-ons whose custom resources are installed (`calico`). */
  addons?: ReadonlySet<string>;
  /** The replicas and etcd behind the endpoint; every request is served by one of them. */
  controlPlane?: ControlPlane;
  /** API Priority and Fairness and the request metrics every request passes through. */
  accounting?: RequestAccounting;
  /** What `/metrics` serves. */
  metrics?: ApiServerMetrics;
  /** Dynamic admission: the webhook configurations in the store, and their servers. */
  webhooks?: AdmissionWebhooks;
}

const defaultVersion: VersionInfo = { major: '1', minor: '32', gitVersion: 'v1.32.4' };

export class SimApiServer {
  private readonly opts: SimApiServerOptions;
  private readonly ctx: ResourceContext;
  private readonly watchSettings: WatchSettings;
  private readonly watches = new Set<ActiveWatch>();
  private readonly sockets = new Set<Socket>();
  private readonly hung = new Set<ServerResponse>();
  private server: Server | undefined;
  private host = '127.0.0.1';
  private port = 0;
  private listening = false;
  private readonly openapi: OpenApiDocuments;
  /**
   * Requests refused by RBAC (403), newest last, as a real server's audit log would show
   * them: tests hold a client with the shipped roles to the requests it may make.
   */
  readonly forbidden: { method: string; path: string; message: string }[] = [];

  constructor(opts: SimApiServerOptions) {
    this.opts = opts;
    this.openapi = new OpenApiDocuments(() => (this.opts.version ?? defaultVersion).gitVersion);
    this.ctx = {
      store: opts.store,
      clock: opts.clock,
      clusterIps: new ClusterIpAllocator(),
      admit: (a) => this.opts.webhooks?.review(a) ?? Promise.resolve(),
    };
    this.watchSettings = {
      bookmarkIntervalMs: 60_000,
      minRequestTimeoutSeconds: 1800,
      maxBacklogBytes: 64 * 1024 * 1024,
      ...opts.watch,
    };
    opts.faults.onChange((s) => this.applyFaults(s));
  }

  /** The base URL clients use, e.g. `http://127.0.0.1:6443`. */
  get url(): string {
    return `${this.opts.tls ? 'https' : 'http'}://${this.host}:${this.port}`;
  }

  get clusterIps(): ClusterIpAllocator {
    return this.ctx.clusterIps;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.host = host;
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      void this.handle(req, res);
    };
    this.server = this.opts.tls
      ? createTlsServer({ key: this.opts.tls.key, cert: this.opts.tls.cert }, handler)
      : createServer(handler);
    // Watches and follows are long-lived; Node's default request timeout would cut them.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 60_000;
    this.server.keepAliveTimeout = 65_000;
    // TLS servers report accepted sockets as 'secureConnection'; track the raw ones either way.
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await this.bind(port);
    if (this.opts.faults.current.unreachable === 'refuse') await this.unbind();
    return this.url;
  }

  private bind(port: number): Promise<void> {
    const server = this.server!;
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      server.once('error', onError);
      server.listen(port, this.host, () => {
        server.off('error', onError);
        const addr = server.address();
        if (addr && typeof addr === 'object') this.port = addr.port;
        this.listening = true;
        resolve();
      });
    });
  }

  /** Stops accepting connections and drops every open one: clients now see "connection refused". */
  private unbind(): Promise<void> {
    const server = this.server;
    if (!server || !this.listening) return Promise.resolve();
    this.listening = false;
    return new Promise((resolve) => {
      server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  private applyFaults(s: FaultState): void {
    const hold = s.unreachable === 'hang';
    for (const w of this.watches) w.hold(hold);
    if (!hold) {
      // Requests left hanging are cut when the endpoint comes back, as a client timeout would.
      for (const res of this.hung) res.socket?.destroy();
      this.hung.clear();
    }
    if (s.unreachable === 'refuse') void this.unbind();
    else if (this.server && !this.listening) void this.bind(this.port);
  }

  /** Serves another certificate from now on (new handshakes see it). */
  setServingCert(tls: ServingCert): void {
    this.opts.tls = tls;
    const server = this.server as
      | { setSecureContext?: (o: { key: string; cert: string }) => void }
      | undefined;
    server?.setSecureContext?.({ key: tls.key, cert: tls.cert });
  }

  /**
   * Accepts this bearer token from now on instead of the one it was started with (a
   * rotated service-account token): clients still sending the old one get 401.
   */
  setToken(token: string | undefined): void {
    this.opts.token = token;
  }

  /** Drops every open watch stream abruptly (a load balancer or apiserver restart). */
  dropWatches(): number {
    const n = this.watches.size;
    for (const w of [...this.watches]) w.drop();
    return n;
  }

  get openWatches(): number {
    return this.watches.size;
  }

  async close(): Promise<void> {
    for (const w of [...this.watches]) w.drop();
    for (const res of this.hung) res.socket?.destroy();
    const server = this.server;
    if (!server) return;
    if (this.listening) {
      this.listening = false;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of this.sockets) s.destroy();
      });
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    // The cluster's own time, as a real apiserver's Date header carries its host clock:
    // a scenario runs at its real date, and clients read the offset from here.
    res.setHeader('Date', new Date(this.opts.clock.now()).toUTCString());
    let answered: ((code: number) => void) | undefined;
    try {
      const faults = this.opts.faults;
      if (faults.applies(url.pathname)) {
        const f = faults.current;
        if (f.unreachable === 'hang') {
          this.hung.add(res);
          res.on('close', () => this.hung.delete(res));
          return;
        }
        if (f.latencyMs && f.latencyMs > 0) await this.opts.clock.sleep(f.latencyMs);
        const injected = faults.rollError();
        if (injected) {
          req.resume();
          if (injected.code === 429) {
            throw new ApiError(429, 'TooManyRequests', 'Too many requests, please try again later.', {
              retryAfterSeconds: injected.retryAfterSeconds ?? 1,
            });
          }
          if (injected.code === 503)
            throw serviceUnavailable('the server is currently unable to handle the request');
          throw internalError('injected fault');
        }
      }
      const replica = this.opts.controlPlane ? routeToReplica(this.opts.controlPlane) : undefined;
      this.authenticate(req, url);
      answered = await this.opts.accounting?.begin(req, url, res);
      await this.route(req, res, url, replica);
    } catch (err) {
      req.resume();
      if (err instanceof ReplicaUnavailable) {
        // The balancer's backend is gone: the connection drops without an answer.
        res.destroy();
        return;
      }
      const apiErr = err instanceof ApiError ? err : internalError((err as Error)?.message ?? String(err));
      if (res.headersSent) {
        res.end();
        return;
      }
      // The rest of an oversized body is never read: close the connection after answering.
      if (apiErr.code === 413) res.setHeader('Connection', 'close');
      sendStatus(res, apiErr);
    } finally {
      answered?.(res.statusCode);
    }
  }

  /** 401 for a token nobody holds; 403 (rbac.ts) for a bound token's request its roles do not grant. */
  private authenticate(req: IncomingMessage, url: URL): void {
    const { token, tokens } = this.opts;
    if (!token && !tokens) return;
    const auth = req.headers.authorization ?? '';
    if (token && auth === `Bearer ${token}`) return;
    const subject = auth.startsWith('Bearer ') ? tokens?.get(auth.slice('Bearer '.length)) : undefined;
    if (!subject) {
      req.resume();
      throw unauthorized();
    }
    try {
      authorize(subject, req, url);
    } catch (err) {
      req.resume();
      if (this.forbidden.length >= 1_000) this.forbidden.shift();
      this.forbidden.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        message: (err as Error).message,
      });
      throw err;
    }
  }

  /** What this server serves now: its minor moves with control-plane upgrades. */
  served(): ServedFilter {
    const minor = Number((this.opts.version ?? defaultVersion).minor.replace(/\D.*$/, ''));
    return servedBy(minor, this.opts.addons);
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    replica: ReplicaView | undefined,
  ): Promise<void> {
    const path = parseApiPath(url.pathname);
    const method = req.method ?? 'GET';
    switch (path.type) {
      case 'version': {
        const v = this.opts.version ?? defaultVersion;
        sendJson(res, 200, {
          ...v,
          gitCommit: '0000000000000000000000000000000000000000',
          gitTreeState: 'clean',
          buildDate: '2025-04-22T00:00:00Z',
          goVersion: 'go1.23.6',
          compiler: 'gc',
          platform: 'linux/amd64',
        });
        return;
      }
      case 'health': {
        const cp = this.opts.controlPlane;
        const waitMs = healthWaitMs(path.sub, url.searchParams, replica, cp?.etcdLatencyMs() ?? 0);
        if (waitMs > 0) await this.opts.clock.sleep(waitMs);
        serveHealth(path.check, path.sub, url.searchParams, res, replica);
        return;
      }
      case 'api':
        sendJson(res, 200, apiVersions(`${this.host}:${this.port}`));
        return;
      case 'apis':
        sendJson(res, 200, apiGroupList(this.served()));
        return;
      case 'group': {
        const doc = apiGroupDoc(path.group, this.served());
        if (!doc) throw pathNotFound();
        sendJson(res, 200, doc);
        return;
      }
      case 'groupVersion': {
        const doc = apiResourceList(path.group, path.version, this.served());
        if (!doc) throw pathNotFound();
        sendJson(res, 200, doc);
        return;
      }
      case 'openapi':
        if (serveOpenApi(this.openapi, url.pathname, req.headers.accept, res)) return;
        throw pathNotFound();
      case 'resource':
        break;
      case 'badEscape':
        throw badRequest(`invalid URL escape in path: ${url.pathname}`);
      case 'root':
        sendJson(res, 200, {
          paths: [
            '/api',
            '/api/v1',
            '/apis',
            '/healthz',
            '/livez',
            '/openapi/v2',
            '/openapi/v3',
            '/readyz',
            '/version',
          ],
        });
        return;
      default:
        if (url.pathname === '/metrics' && this.opts.metrics) {
          sendText(res, 200, this.opts.metrics.render(), 'text/plain; version=0.0.4; charset=utf-8');
          return;
        }
        throw pathNotFound();
    }

    const r = findResource(path.group, path.version, path.plural);
    if (!r || !this.served()(r)) throw pathNotFound();
    if (r.namespaced === false && path.namespace !== undefined) throw pathNotFound();
    const t: ResourceTarget = {
      r,
      namespace: r.namespaced ? (path.namespace ?? '') : '',
      name: path.name,
      subresource: path.subresource,
    };
    const q = url.searchParams;
    const cp = this.opts.controlPlane;
    const watching = path.watchPrefix === true || q.get('watch') === 'true' || q.get('watch') === '1';
    if (cp && replica && isDryRunCreate(method, q, t.name !== undefined))
      await dryRunCreateRoundTrip(cp, replica, this.opts.clock, q);
    else if (cp && replica && needsEtcd(method, q, watching))
      await etcdRoundTrip(cp, replica, this.opts.clock, { method, q });

    if (
      t.subresource &&
      t.subresource !== 'status' &&
      !r.subresources.some((s) => s.name === t.subresource)
    ) {
      throw pathNotFound();
    }
    if (t.name !== undefined && r.namespaced && !t.namespace) throw pathNotFound();

    if (t.subresource === 'log') {
      if (method !== 'GET') throw methodNotSupported('pods/log', '', method.toLowerCase());
      const podType = resourceForKind('Pod')!;
      handlePodLog({
        store: this.opts.store,
        clock: this.opts.clock,
        logs: this.opts.logs,
        podType,
        namespace: t.namespace,
        name: t.name!,
        req,
        res,
        q,
        nodeReachable: this.opts.nodeReachable,
      });
      return;
    }
    if (t.subresource === 'eviction') {
      if (method !== 'POST') throw methodNotSupported('pods/eviction', '', method.toLowerCase());
      const body = parseJsonObject(await readBody(req));
      evictPod({
        store: this.opts.store,
        clock: this.opts.clock,
        namespace: t.namespace,
        name: t.name!,
        body,
      });
      sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
      return;
    }
    if (t.subresource === 'proxy' && r.plural === 'pods') {
      await this.proxy(
        { kind: 'pod', namespace: t.namespace },
        t.name!,
        path.rest ?? '/',
        method,
        q,
        req,
        res,
      );
      return;
    }
    if (t.subresource === 'proxy') {
      await this.proxy({ kind: 'node' }, t.name!, path.rest ?? '/', method, q, req, res);
      return;
    }

    if (t.name === undefined) {
      if (method === 'GET') {
        const query = parseListQuery(r, q, path.watchPrefix === true);
        if (query.watch) {
          this.watch(r, t.namespace, query, res);
          return;
        }
        handleList(this.ctx, t, query, req, res, q);
        return;
      }
      if (method === 'POST') return handleCreate(this.ctx, t, req, res);
      if (method === 'DELETE') return handleDeleteCollection(this.ctx, t, req, res, q);
      throw methodNotSupported(r.plural, r.group, method.toLowerCase());
    }
    switch (method) {
      case 'GET':
        if (q.get('watch') === 'true' || q.get('watch') === '1') {
          // A watch on one object is a watch on the collection filtered by name.
          q.set(
            'fieldSelector',
            [q.get('fieldSelector'), `metadata.name=${t.name}`].filter(Boolean).join(','),
          );
          const query = parseListQuery(r, q, true);
          this.watch(r, t.namespace, query, res);
          return;
        }
        handleGet(this.ctx, t, req, res, q);
        return;
      case 'PUT':
        return handleUpdate(this.ctx, t, req, res);
      case 'PATCH':
        return handlePatch(this.ctx, t, req, res);
      case 'DELETE':
        return handleDelete(this.ctx, t, req, res, q);
      default:
        throw methodNotSupported(r.plural, r.group, method.toLowerCase());
    }
  }

  private watch(r: ResourceType, namespace: string, query: ListQuery, res: ServerResponse): void {
    startWatch({
      store: this.opts.store,
      clock: this.opts.clock,
      r,
      namespace,
      query,
      res,
      settings: this.watchSettings,
      registry: this.watches,
      // Watches opened while the endpoint "hangs" hold their events like the others.
      held: this.opts.faults.current.unreachable === 'hang',
    });
  }

  /**
   * `nodes/{name}[:port]/proxy/...` and `pods/{name}[:port]/proxy/...`: a node component's
   * or a container's own endpoint, as the apiserver dials the node or pod address. A node
   * whose network is down answers nothing (the dial times out).
   */
  private async proxy(
    target: { kind: 'node' } | { kind: 'pod'; namespace: string },
    name: string,
    rest: string,
    method: string,
    q: URLSearchParams,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    req.resume();
    const { node: object, port } = parseProxyTarget(name);
    const pod =
      target.kind === 'pod'
        ? (this.opts.store.find(resourceForKind('Pod')!, target.namespace, object) as
            | { spec?: { nodeName?: string } }
            | undefined)
        : undefined;
    const exists =
      target.kind === 'pod'
        ? pod !== undefined
        : this.opts.store.find(resourceForKind('Node')!, '', object) !== undefined;
    if (!exists) throw notFound(target.kind === 'pod' ? 'pods' : 'nodes', '', object);
    const key = target.kind === 'pod' ? podEndpointKey(target.namespace, object) : object;
    const node = target.kind === 'pod' ? pod?.spec?.nodeName : object;
    const handler = this.opts.nodeProxy.lookup(key, port);
    if (handler && node && this.opts.nodeReachable && !this.opts.nodeReachable(node)) {
      throw serviceUnavailable(`error trying to reach service: dial tcp ${object}:${port}: i/o timeout`);
    }
    // Nothing registered there, or its process is stopped (a kubelet-stop): the dial is refused.
    if (!handler || !this.opts.nodeProxy.listening(key, port)) {
      throw serviceUnavailable(
        `error trying to reach service: dial tcp ${object}:${port}: connect: connection refused`,
      );
    }
    const answer = handler({ method, path: rest, query: q });
    sendText(res, answer.status, answer.body, answer.contentType);
  }
}
