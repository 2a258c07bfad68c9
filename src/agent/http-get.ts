/**
 * A plain HTTP GET on the node (the kubelet's /healthz, kube-proxy's /metrics): undici on a
 * real node, the simulated machine's processes in replay. Failures surface as undici's do
 * (a `TypeError` whose `cause.code` is the socket error; `AbortError`/`TimeoutError` when
 * the signal fires), which is what the checks sort into their reasons.
 */
import { fetch } from 'undici';

export interface HttpAnswer {
  status: number;
  body: string;
}

/** `timeoutMs`: how long to wait for the answer, on the caller's clock for a simulated machine. */
export type HttpGet = (url: string, o: { signal: AbortSignal; timeoutMs?: number }) => Promise<HttpAnswer>;

export const httpGet: HttpGet = async (url, o) => {
  const signal =
    o.timeoutMs === undefined ? o.signal : AbortSignal.any([o.signal, AbortSignal.timeout(o.timeoutMs)]);
  const res = await fetch(url, { signal });
  return { status: res.status, body: await res.text() };
};
