/**
 * KubeletUnhealthy: the kubelet's own health endpoint, on the node. The kubelet serves
 * `/healthz` on `healthzBindAddress:healthzPort` (defaults 127.0.0.1:10248; 0 turns it
 * off; KubeletConfiguration, k8s.io/kubelet/config/v1beta1) and answers `ok` while its
 * sync loop runs, whether or not the API server accepts it (pkg/kubelet/kubelet.go
 * syncLoop; healthz's `syncloop` check). So a kubelet whose lease has stopped while this
 * answers `ok` is alive and cut off from the API server (its credentials refused, or its
 * requests lost on the way); one that does not answer has stopped or hung.
 *
 * `True` with reason HealthzRefused (nothing listens), HealthzTimeout (no answer within
 * 2 s) or HealthzFailed (an answer other than 200 ok; `status` and `body`); `False`
 * KubeletHealthy. A network-kind check: three failures in a row before `True`, so one slow
 * answer under load does not flip it.
 */
import { type Check, healthy, problem } from '../check.ts';
import { type HttpGet, httpGet } from '../http-get.ts';

export interface KubeletHealthzOptions {
  /** http://127.0.0.1:10248/healthz unless the kubelet's configuration moves it. */
  url: string;
  /** How the GET is made; undici unless the simulator passes its machine's kubelet. */
  get?: HttpGet;
}

const answerTimeoutMs = 2_000;

export function kubeletHealthzCheck(o: KubeletHealthzOptions): Check {
  return {
    type: 'KubeletUnhealthy',
    kind: 'network',
    intervalMs: 10_000,
    timeoutMs: 3_000,
    async run({ signal }) {
      const target = ['target', o.url] as const;
      let status: number;
      let body: string;
      try {
        const res = await (o.get ?? httpGet)(o.url, { signal, timeoutMs: answerTimeoutMs });
        status = res.status;
        body = res.body.trim().slice(0, 200);
      } catch (err) {
        const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
        if (e.name === 'TimeoutError' || e.name === 'AbortError')
          return problem('HealthzTimeout', 'the kubelet did not answer /healthz', [
            target,
            ['timeout', `${answerTimeoutMs / 1000}s`],
          ]);
        return problem('HealthzRefused', 'nothing answers at the kubelet /healthz address', [
          target,
          ['error', e.cause?.code ?? e.cause?.message ?? e.message ?? String(err)],
        ]);
      }
      if (status === 200 && body === 'ok')
        return healthy('KubeletHealthy', 'the kubelet answers /healthz ok', [target]);
      return problem('HealthzFailed', 'the kubelet answers /healthz with a failure', [
        target,
        ['status', status],
        ['body', body || '(empty)'],
      ]);
    },
  };
}

/** Where the kubelet serves /healthz, from its configuration file; undefined when turned off. */
export function kubeletHealthzUrl(config: {
  healthzBindAddress?: string;
  healthzPort?: number;
}): string | undefined {
  const port = config.healthzPort ?? 10248;
  if (port === 0) return undefined;
  const address = config.healthzBindAddress || '127.0.0.1';
  const host =
    address === '0.0.0.0'
      ? '127.0.0.1'
      : address === '::'
        ? '[::1]'
        : address.includes(':')
          ? `[${address}]`
          : address;
  return `http://${host}:${port}/healthz`;
}
