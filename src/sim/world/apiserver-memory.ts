/**
 * kube-apiserver running out of memory under LISTs. A LIST assembles its whole response in
 * memory before it sends a byte, so many large LISTs at once hold many copies of the
 * cluster; API Priority and Fairness caps the seats they take (CPU), not the memory they
 * hold, and "multiple list requests flood[ing] in simultaneously" can crash a kube-apiserver
 * "within seconds due to out-of-memory" (Kubernetes blog, "Enhancing Kubernetes API Server
 * Efficiency with API Streaming", 2024-12-17; KEP-3157 watch-list). The kernel then kills
 * the process (OOMKilled); it starts again, rebuilds its watch cache and, while the same
 * clients keep listing, is killed again: the replicas go down and come back in a loop.
 * Clients find a restarted replica as their retries come round (client-go's reflector backs
 * off up to 30 s, jittered), so the LISTs it holds build up over that time, and it serves
 * (and turns requests away) for a while before it is killed again.
 *
 * The load balancer spreads the LISTs over the replicas that serve, so each holds its
 * share; one killed leaves more for the others. While none serves, the load model is
 * suspended (requests are refused at the door, neither dispatched nor rejected by APF).
 *
 * Only the replicas' serving state is set here (ControlPlane.setApiserverDown): a managed
 * control plane's hidden replicas show it as an endpoint that stops answering. The static
 * pods of an on-node control plane are not restarted by this model.
 */
import type { Clock, Timer } from '../../time/clock.ts';
import type { ApiLoad } from '../api/api-load.ts';
import type { ApiServerMetrics } from '../api/apiserver-metrics.ts';
import type { ControlPlane } from '../cluster/control-plane.ts';

/**
 * What one object read by a LIST holds while the response is assembled: the decoded object
 * and its share of the encoded response at once, several times the ~10 KiB a pod with its
 * managedFields takes in JSON.
 */
export const listBytesPerObject = 32 * 1024;
/** How often memory is looked at: the kernel kills within moments of the limit, not later. */
const checkMs = 5_000;
/** A replica's start: etcd connection, post-start hooks, watch cache filled, ready. */
export const apiserverStartMs = 60_000;
const source = 'apiserver-oom';
/** client-go reflector backoff's cap: by then every client has come back to a restarted replica. */
export const clientsReturnMs = 30_000;

export class ApiserverMemory {
  private readonly o: {
    clock: Clock;
    cp: ControlPlane;
    load: ApiLoad;
    metrics?: ApiServerMetrics;
    /** Memory a replica has for serving requests before the kernel kills it. */
    limitBytes: number;
  };
  private readonly restarting = new Map<string, Timer>();
  /** When each replica this model restarted came back. */
  private readonly startedAt = new Map<string, number>();
  private timer: Timer | undefined;
  private readonly off: () => void;

  constructor(o: ApiserverMemory['o']) {
    this.o = o;
    this.off = o.cp.onChange(() => this.suspendIfNoneServes());
    this.tick();
  }

  private tick(): void {
    this.timer = this.o.clock.after(checkMs, () => {
      this.check();
      this.tick();
    });
  }

  stop(): void {
    this.timer?.cancel();
    this.off();
    for (const t of this.restarting.values()) t.cancel();
  }

  /**
   * Bytes a serving replica holds for the LISTs it is executing now: its share of them, less
   * while its clients are still coming back after a restart.
   */
  heldBy(member: string): number {
    const { cp, clock } = this.o;
    const m = cp.member(member);
    if (!m || !cp.apiserverUp(m)) return 0;
    const serving = cp.members.filter((x) => cp.apiserverUp(x)).length;
    const started = this.startedAt.get(member);
    const back = started === undefined ? 1 : Math.min(1, (clock.now() - started) / clientsReturnMs);
    return ((this.o.load.listObjectsInFlight() * listBytesPerObject) / serving) * back;
  }

  private check(): void {
    const { cp, clock } = this.o;
    const killed = cp.members.filter((m) => this.heldBy(m.name) > this.o.limitBytes);
    for (const m of killed) {
      if (this.restarting.has(m.name)) continue;
      cp.setApiserverDown(m.name, source, true);
      this.restarting.set(
        m.name,
        clock.after(apiserverStartMs, () => {
          this.restarting.delete(m.name);
          this.startedAt.set(m.name, clock.now());
          cp.setApiserverDown(m.name, source, false);
        }),
      );
    }
  }

  private suspendIfNoneServes(): void {
    this.o.load.suspend(this.o.cp.allDown(), this.o.metrics);
  }
}
