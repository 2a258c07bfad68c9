/**
 * An ApiClient that knows how many of its requests are still out, so a test on virtual or
 * manual time can wait for work a timer started (a lease renewal) to land before moving on.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { ApiClient } from '../../src/kube/api-client.ts';
import { realClock } from '../../src/time/clock.ts';
import { waitFor } from '../support/wait-for.ts';

export class CountingApi extends ApiClient {
  inFlight = 0;
  requests = 0;

  static for<T extends CountingApi>(
    this: new (
      kc: KubeConfig,
      o: { now: () => number },
    ) => T,
    kubeconfig: string,
  ): T {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    return new this(kc, { now: () => realClock.now() });
  }

  override getJson<T>(
    path: string,
    query?: Record<string, string | number | undefined>,
    timeoutMs?: number,
    signal?: AbortSignal,
  ) {
    return this.counted(() => super.getJson<T>(path, query, timeoutMs, signal));
  }

  override send<T>(
    method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    o?: Parameters<ApiClient['send']>[3],
  ) {
    return this.counted(() => super.send<T>(method, path, body, o));
  }

  /** Resolves once every request started so far (a timer-driven renewal included) has its answer. */
  async idle(): Promise<void> {
    // A renewal due on the clock starts on the next turn, behind the lock's write queue.
    await new Promise((r) => setImmediate(r));
    await waitFor('the lock’s requests to be answered', () => this.inFlight === 0);
  }

  private async counted<T>(request: () => Promise<T>): Promise<T> {
    this.inFlight++;
    this.requests++;
    try {
      return await request();
    } finally {
      this.inFlight--;
    }
  }
}
