/**
 * The agent's events (docs/node-agent-report.md §4): core/v1 Events on the Node in
 * `default`, named `<node>.<16 hex of SHA-256>` of what they record so a retry is idempotent
 * (409 means delivered); one within 10 min of the same (type, status, reason) is bumped
 * (`count+1`) instead of created; creations draw from a token bucket (25, one back per
 * 5 min, client-go's spam filter). While the API cannot be reached they wait in an outbox of
 * 256, oldest dropped first and counted in an `AgentReportsDropped` event; the state volume
 * keeps the outbox across container restarts (snapshot/restore).
 */
import { createHash } from 'node:crypto';
import { ApiRequestError } from '../kube/api-client.ts';
import { rfc3339 } from '../time/clock.ts';
import type { ApiPaths } from './api-paths.ts';

export interface AgentEvent {
  reason: string;
  type: 'Normal' | 'Warning';
  message: string;
  atMs: number;
  /** `<Type>\n<Status>\n<Reason>` for condition events, `<Reason>` for the others. */
  key: string;
}

const outboxMax = 256;
const dedupWindowMs = 10 * 60_000;
const bucketSize = 25;
const refillMs = 5 * 60_000;

type Sender = Pick<ApiPaths, 'send'>;

/** Events dropped since the last AgentReportsDropped: how many, and the span of their times. */
export interface DroppedEvents {
  n: number;
  fromMs: number;
  toMs: number;
}

/** What the state volume keeps of the outbox (agent-state.ts). */
export interface Outbox {
  events: AgentEvent[];
  dropped?: DroppedEvents;
}

export function eventName(node: string, key: string, atMs: number): string {
  const hash = createHash('sha256')
    .update(`${key}\n${rfc3339(atMs)}`)
    .digest('hex');
  return `${node}.${hash.slice(0, 16)}`;
}

export class NodeEvents {
  private readonly node: string;
  private readonly api: Sender;
  private readonly outbox: AgentEvent[] = [];
  private readonly recent = new Map<string, { name: string; lastMs: number; count: number }>();
  private tokens = bucketSize;
  private refilledMs: number | undefined;
  private dropped: DroppedEvents | undefined;
  private draining: Promise<void> | undefined;
  private readonly onChange: (() => void) | undefined;
  delivered = 0;

  /** `onChange`: the outbox grew or shrank, or the dropped count moved (worth keeping). */
  constructor(o: { node: string; api: Sender; onChange?: () => void }) {
    this.node = o.node;
    this.api = o.api;
    this.onChange = o.onChange;
  }

  get pending(): number {
    return this.outbox.length;
  }

  /** The events not yet delivered, oldest first, and what was dropped. */
  snapshot(): Outbox {
    return { events: [...this.outbox], ...(this.dropped ? { dropped: { ...this.dropped } } : {}) };
  }

  /** Takes back what an earlier container of this pod could not deliver; it goes before anything new. */
  restore(kept: Outbox): void {
    this.outbox.unshift(...kept.events);
    if (kept.dropped) this.dropped = addDropped(this.dropped, kept.dropped);
    this.trim();
  }

  enqueue(e: AgentEvent): void {
    this.outbox.push(e);
    this.trim();
    this.onChange?.();
  }

  private trim(): void {
    while (this.outbox.length > outboxMax) {
      const old = this.outbox.shift();
      if (old) this.noteDropped(old.atMs);
    }
  }

  private noteDropped(atMs: number): void {
    this.dropped = addDropped(this.dropped, { n: 1, fromMs: atMs, toMs: atMs });
    this.onChange?.();
  }

  /** Delivers the outbox oldest first; stops (keeping the rest) at the first unreachable API. */
  drain(): Promise<void> {
    this.draining ??= this.drainOnce().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async drainOnce(): Promise<void> {
    while (this.outbox.length) {
      const e = this.outbox[0];
      const ok = await this.deliver(e);
      if (!ok) return;
      this.outbox.shift();
      this.onChange?.();
    }
    if (this.dropped) {
      const d = this.dropped;
      const ok = await this.create({
        reason: 'AgentReportsDropped',
        type: 'Warning',
        message: `the agent could not deliver events while the API was unreachable; dropped=${d.n} from=${rfc3339(d.fromMs)} to=${rfc3339(d.toMs)}`,
        atMs: d.toMs,
        key: 'AgentReportsDropped',
      });
      if (ok) {
        this.dropped = undefined;
        this.onChange?.();
      }
    }
  }

  private takeToken(atMs: number): boolean {
    if (this.refilledMs === undefined) this.refilledMs = atMs;
    const refill = Math.floor((atMs - this.refilledMs) / refillMs);
    if (refill > 0) {
      this.tokens = Math.min(bucketSize, this.tokens + refill);
      this.refilledMs += refill * refillMs;
    }
    if (this.tokens <= 0) return false;
    this.tokens--;
    return true;
  }

  /** False when the API could not be reached (keep it queued); true when done with it. */
  private async deliver(e: AgentEvent): Promise<boolean> {
    const seen = this.recent.get(e.key);
    if (seen && e.atMs - seen.lastMs < dedupWindowMs && e.atMs >= seen.lastMs) {
      try {
        await this.api.send('PATCH', `/api/v1/namespaces/default/events/${seen.name}`, {
          count: seen.count + 1,
          lastTimestamp: rfc3339(e.atMs),
          message: e.message,
        });
        seen.count++;
        seen.lastMs = e.atMs;
        this.delivered++;
        return true;
      } catch (err) {
        if (unreachable(err)) return false;
        if (!(err instanceof ApiRequestError && err.status === 404)) return true;
        // Expired meanwhile (--event-ttl): create a fresh one below.
      }
    }
    if (!this.takeToken(e.atMs)) {
      this.noteDropped(e.atMs);
      return true;
    }
    return this.create(e);
  }

  /** Creations past the bucket were already counted; AgentReportsDropped itself is exempt. */
  private async create(e: AgentEvent): Promise<boolean> {
    const name = eventName(this.node, e.key, e.atMs);
    const at = rfc3339(e.atMs);
    const body = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: 'default' },
      involvedObject: { apiVersion: 'v1', kind: 'Node', name: this.node, uid: this.node, namespace: '' },
      source: { component: 'kubetriage-agent', host: this.node },
      reportingComponent: 'kubetriage-agent',
      reportingInstance: this.node,
      type: e.type,
      reason: e.reason,
      message: e.message,
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
      eventTime: null,
    };
    try {
      await this.api.send('POST', '/api/v1/namespaces/default/events', body);
    } catch (err) {
      if (unreachable(err)) return false;
      // 409: already delivered by an earlier attempt. Other 4xx: the API refused it; move on.
      if (!(err instanceof ApiRequestError && err.status === 409)) return true;
    }
    this.recent.set(e.key, { name, lastMs: e.atMs, count: 1 });
    this.delivered++;
    return true;
  }
}

function addDropped(a: DroppedEvents | undefined, b: DroppedEvents): DroppedEvents {
  return a
    ? { n: a.n + b.n, fromMs: Math.min(a.fromMs, b.fromMs), toMs: Math.max(a.toMs, b.toMs) }
    : { ...b };
}

function unreachable(err: unknown): boolean {
  return !(err instanceof ApiRequestError) || err.status === 0 || err.status >= 500;
}
