/**
 * The one place kubetriage sends HTTP to a Kubernetes API server: authenticated GETs
 * through client-node's kubeconfig handling (tokens, client certificates, CA data, the
 * undici dispatcher it builds), returning raw JSON rather than client-node's class models
 * (150,000 pods deserialized into models would cost far more memory and time), and typed
 * failures that carry the status, reason and Retry-After a reflector needs.
 */
import { HttpMethod, type KubeConfig, RequestContext, Watch } from '@kubernetes/client-node';
import { fetch } from 'undici';

export class ApiRequestError extends Error {
  /** HTTP status, or 0 when no answer came (refused, reset, timed out). */
  readonly status: number;
  /** The Status reason (Expired, TooManyRequests, ...) or the network error code. */
  readonly reason: string;
  /** Seconds from Retry-After or details.retryAfterSeconds, when the server sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    message: string,
    o: { status: number; reason: string; retryAfterSeconds?: number; cause?: unknown },
  ) {
    super(message, { cause: o.cause });
    this.name = 'ApiRequestError';
    this.status = o.status;
    this.reason = o.reason;
    this.retryAfterSeconds = o.retryAfterSeconds;
  }

  get expired(): boolean {
    return this.status === 410 || this.reason === 'Expired' || this.reason === 'Gone';
  }
}

export interface ApiResponse<T> {
  status: number;
  body: T;
  latencyMs: number;
}

export interface ApiClientOptions {
  /** Per-request timeout for non-watch requests. */
  requestTimeoutMs?: number;
  /** Measures request latency; the product passes its clock's now(). */
  now: () => number;
}

export class ApiClient {
  readonly kc: KubeConfig;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(kc: KubeConfig, opts: ApiClientOptions) {
    this.kc = kc;
    this.timeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.now = opts.now;
  }

  get server(): string {
    return this.kc.getCurrentCluster()?.server ?? '';
  }

  /**
   * How far the API server's clock is ahead of ours (ms), from the Date header of its last
   * answer. Object timestamps are in the cluster's time; comparing them with our own clock
   * would misjudge every age by the skew, so the live feed runs on server-aligned time.
   */
  serverOffsetMs = 0;

  private noteServerDate(header: string | null, localMs: number): void {
    const server = header ? Date.parse(header) : Number.NaN;
    // The header has one-second resolution: only a skew beyond that is worth correcting.
    if (Number.isFinite(server) && Math.abs(server - localMs) > 2_000) this.serverOffsetMs = server - localMs;
    else if (Number.isFinite(server)) this.serverOffsetMs = 0;
  }

  /** A client-node Watch bound to this kubeconfig. */
  newWatch(): Watch {
    return new Watch(this.kc);
  }

  async getJson<T>(
    path: string,
    query: Record<string, string | number | undefined> = {},
    timeoutMs?: number,
    signal?: AbortSignal,
  ): Promise<ApiResponse<T>> {
    const res = await this.get(path, query, 'application/json', timeoutMs, signal);
    try {
      return { status: res.status, body: JSON.parse(res.body) as T, latencyMs: res.latencyMs };
    } catch (err) {
      throw new ApiRequestError(
        `${this.server}${path}: the API server answered with something that is not JSON`,
        {
          status: res.status,
          reason: 'BadResponse',
          cause: err,
        },
      );
    }
  }

  async getText(
    path: string,
    query: Record<string, string | number | undefined> = {},
    timeoutMs?: number,
    signal?: AbortSignal,
  ): Promise<ApiResponse<string>> {
    return this.get(path, query, 'text/plain, */*', timeoutMs, signal);
  }

  /**
   * A write: POST, PUT, PATCH or DELETE with a JSON body (remediation, the node agent's
   * reports, leases). `contentType` picks the patch flavour for PATCH
   * (`application/merge-patch+json`, `application/strategic-merge-patch+json`,
   * `application/json-patch+json`). Non-2xx answers throw ApiRequestError with the status
   * and reason, so callers can tell a conflict (409) or a PDB refusal (429) apart.
   */
  async send<T>(
    method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    o: {
      contentType?: string;
      query?: Record<string, string | number | undefined>;
      timeoutMs?: number;
      signal?: AbortSignal;
    } = {},
  ): Promise<ApiResponse<T>> {
    const res = await this.request(method, path, o.query ?? {}, 'application/json', o.timeoutMs, o.signal, {
      text: body === undefined ? undefined : JSON.stringify(body),
      contentType:
        o.contentType ?? (method === 'PATCH' ? 'application/merge-patch+json' : 'application/json'),
    });
    try {
      return {
        status: res.status,
        body: (res.body ? JSON.parse(res.body) : {}) as T,
        latencyMs: res.latencyMs,
      };
    } catch (err) {
      throw new ApiRequestError(
        `${this.server}${path}: the API server answered with something that is not JSON`,
        { status: res.status, reason: 'BadResponse', cause: err },
      );
    }
  }

  private get(
    path: string,
    query: Record<string, string | number | undefined>,
    accept: string,
    timeoutMs = this.timeoutMs,
    /** Cancels the request (a stopping reflector must not wait out the timeout). */
    signal?: AbortSignal,
  ): Promise<ApiResponse<string>> {
    return this.request('GET', path, query, accept, timeoutMs, signal);
  }

  private async request(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    query: Record<string, string | number | undefined>,
    accept: string,
    timeoutMs = this.timeoutMs,
    signal?: AbortSignal,
    payload?: { text: string | undefined; contentType: string },
  ): Promise<ApiResponse<string>> {
    const server = this.server;
    if (!server)
      throw new ApiRequestError('the kubeconfig has no current cluster', { status: 0, reason: 'NoCluster' });
    const url = new URL(server.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query))
      if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    const ctx = new RequestContext(url.toString(), HttpMethod[method]);
    await this.kc.applySecurityAuthentication(ctx);
    const started = this.now();
    let response: Awaited<ReturnType<typeof fetch>>;
    let body: string;
    try {
      response = await fetch(url, {
        method,
        headers: {
          ...ctx.getHeaders(),
          Accept: accept,
          ...(payload?.text !== undefined ? { 'Content-Type': payload.contentType } : {}),
        },
        body: payload?.text,
        dispatcher: ctx.getDispatcher(),
        signal: signal
          ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
          : AbortSignal.timeout(timeoutMs),
      });
      body = await response.text();
    } catch (err) {
      throw networkError(server, path, err);
    }
    const latencyMs = this.now() - started;
    this.noteServerDate(response.headers.get('date'), started + Math.round(latencyMs / 2));
    if (response.status >= 200 && response.status < 300) return { status: response.status, body, latencyMs };
    throw statusError(server, path, response.status, response.headers.get('retry-after'), body);
  }
}

function networkError(server: string, path: string, err: unknown): ApiRequestError {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.name === 'TimeoutError' ? 'Timeout' : (e.cause?.code ?? e.name ?? 'NetworkError');
  const detail =
    e.name === 'TimeoutError'
      ? 'no answer before the request timeout'
      : (e.cause?.message ?? e.message ?? String(err));
  return new ApiRequestError(`${server}${path}: ${detail}`, { status: 0, reason: code, cause: err });
}

interface StatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  details?: { retryAfterSeconds?: number };
}

function statusError(
  server: string,
  path: string,
  status: number,
  retryAfter: string | null,
  body: string,
): ApiRequestError {
  let parsed: StatusBody = {};
  try {
    parsed = JSON.parse(body) as StatusBody;
  } catch {
    // Non-JSON error bodies happen (APF's text/plain 429, proxies); the status code still tells.
  }
  const headerSeconds = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
  const retryAfterSeconds = headerSeconds ?? parsed.details?.retryAfterSeconds;
  const reason = parsed.kind === 'Status' && parsed.reason ? parsed.reason : String(status);
  const message = parsed.message ?? (body.trim().slice(0, 200) || `HTTP ${status}`);
  return new ApiRequestError(`${server}${path}: ${message}`, { status, reason, retryAfterSeconds });
}
