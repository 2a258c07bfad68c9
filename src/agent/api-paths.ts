/**
 * How the agent's writes reach the API server when the service VIP may be the thing that is
 * broken (Runway, 2024): through the VIP if its last check succeeded, else through the first
 * direct endpoint whose last check succeeded, else through each in turn. Each path is the
 * same credentials and CA with another server address (the serving certificate carries the
 * endpoint address).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiClient, ApiRequestError, type ApiResponse } from '../kube/api-client.ts';

/** The in-cluster credentials aimed at one API server address. */
class DirectApiClient extends ApiClient {
  private readonly url: string;

  constructor(kc: KubeConfig, url: string, now: () => number) {
    super(kc, { now, requestTimeoutMs: 10_000 });
    this.url = url;
  }

  override get server(): string {
    return this.url;
  }
}

interface Path {
  /** `vip` or the endpoint's `host:port`. */
  key: string;
  client: ApiClient;
  /** The last check's verdict; undefined before the first. */
  reachable?: boolean;
}

export interface ApiPathsOptions {
  kc: KubeConfig;
  now: () => number;
  /** The kubeconfig's own server (the VIP in a pod); left out when it is not the VIP. */
  viaVip: boolean;
}

type SendArgs = Parameters<ApiClient['send']>;

export class ApiPaths {
  private readonly o: ApiPathsOptions;
  private readonly vip: Path | undefined;
  private endpoints: Path[] = [];
  /** The path the last successful request took, for logs and tests. */
  lastUsed: string | undefined;

  constructor(o: ApiPathsOptions) {
    this.o = o;
    this.vip = o.viaVip
      ? { key: 'vip', client: new ApiClient(o.kc, { now: o.now, requestTimeoutMs: 10_000 }) }
      : undefined;
  }

  /** The direct endpoints, `host:port`, in preference order (flags first). Keeps verdicts. */
  setEndpoints(hostPorts: readonly string[]): void {
    const old = new Map(this.endpoints.map((p) => [p.key, p]));
    this.endpoints = hostPorts.map(
      (key) => old.get(key) ?? { key, client: new DirectApiClient(this.o.kc, `https://${key}`, this.o.now) },
    );
    if (!this.vip && !this.endpoints.length) throw new Error('no API path: neither the VIP nor an endpoint');
  }

  noteVip(reachable: boolean): void {
    if (this.vip) this.vip.reachable = reachable;
  }

  noteEndpoint(key: string, reachable: boolean): void {
    const p = this.endpoints.find((e) => e.key === key);
    if (p) p.reachable = reachable;
  }

  /** The order to try: the VIP while it works, then working endpoints, then the rest. */
  order(): Path[] {
    const all = [...(this.vip ? [this.vip] : []), ...this.endpoints];
    const good = all.filter((p) => p.reachable !== false);
    const bad = all.filter((p) => p.reachable === false);
    return [...good, ...bad];
  }

  async send<T>(...args: SendArgs): Promise<ApiResponse<T>> {
    return this.tryEach((c) => c.send<T>(...args));
  }

  async getJson<T>(
    path: string,
    query: Record<string, string | number | undefined> = {},
  ): Promise<ApiResponse<T>> {
    return this.tryEach((c) => c.getJson<T>(path, query, 10_000));
  }

  /** Next path only when no answer came (status 0); an HTTP answer is the API's word. */
  private async tryEach<T>(fn: (c: ApiClient) => Promise<T>): Promise<T> {
    let lastErr: unknown;
    for (const p of this.order()) {
      try {
        const r = await fn(p.client);
        this.lastUsed = p.key;
        return r;
      } catch (err) {
        lastErr = err;
        if (!(err instanceof ApiRequestError) || err.status !== 0) throw err;
      }
    }
    throw lastErr ?? new ApiRequestError('no API path', { status: 0, reason: 'NoPath' });
  }
}
