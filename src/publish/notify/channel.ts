/**
 * The queue in front of one notification target. Changes are kept per incident, one slot
 * each, so however many arrive while a message is on its way or inside the minimum interval
 * they leave as one message with the latest state. A slot whose state matches what the target
 * last accepted is dropped; `opened` and the move to Resolved skip the interval. One message
 * is in flight per target at a time, after a rate-limit token, with retries and backoff.
 * Everything here runs off the detection path: callers only ever fill slots. Alertmanager
 * re-posts come from the record's open incidents (`openIncidents`), and only while this
 * process acts (`acting`): a replica that lost the lead must not keep its stale copy firing.
 * Every payload is redacted on its way out (`post`).
 */
import type { Incident, IncidentStatus } from '../../incident/incident.ts';
import type { Clock, Timer } from '../../time/clock.ts';
import { every } from '../../time/virtual-clock.ts';
import { AlertBook, alertsUrl, defaultResendEveryMs, type PostableAlert } from './alertmanager.ts';
import { TokenBucket } from './bucket.ts';
import { ClockWaits } from './clock-waits.ts';
import { type NotifyContext, type NotifyEvent, stateKey } from './content.ts';
import { backoffMs, type Outcome, postRedactedJson, type RetryOptions } from './deliver.ts';
import { slackMessage } from './slack.ts';
import { type NotifyKind, type NotifyTarget, targetHost } from './targets.ts';
import { webhookPayload } from './webhook.ts';

export interface NotifyStats {
  /** Requests the target accepted (Alertmanager re-posts included). */
  sent: Record<NotifyKind, number>;
  /** Messages given up on: refused (4xx) or still failing after the last retry; a failed re-post counts too. */
  failed: Record<NotifyKind, number>;
  /** Changes not sent because the target already had that state (counted per target). */
  dropped: number;
}

export interface ChannelDeps {
  clock: Clock;
  ctx: NotifyContext;
  minIntervalMs: number;
  maxPerMinute: number;
  retry: RetryOptions;
  timeoutMs: number;
  fetch: typeof fetch;
  random: () => number;
  log: (msg: string, fields?: object) => void;
  stats: NotifyStats;
  /** Aborted when the notifier closes. */
  closed: AbortSignal;
  /** The incidents open now, from the record: what Alertmanager re-posts keep firing. */
  openIncidents: () => readonly Incident[];
  /** Whether this process acts now (no leader election, or leading); re-posts wait for it. */
  acting: () => boolean;
}

interface Slot {
  incident: Incident;
  opened: boolean;
  status: boolean;
}

interface Accepted {
  key: string;
  status: IncidentStatus;
  atMs: number;
}

/** The one event a collapsed slot is sent as: the most important change it holds. */
function eventOf(slot: Slot): NotifyEvent {
  if (slot.incident.status === 'resolved') return 'resolved';
  return slot.opened ? 'opened' : slot.status ? 'status' : 'updated';
}

export class Channel {
  private readonly target: NotifyTarget;
  private readonly d: ChannelDeps;
  private readonly host: string;
  private readonly url: string;
  private readonly bucket: TokenBucket;
  private readonly book: AlertBook | undefined;
  private readonly slots = new Map<string, Slot>();
  /** What the target last accepted per incident, for dedupe and the minimum interval. */
  private readonly accepted = new Map<string, Accepted>();
  private readonly waits: ClockWaits;
  private resendTimer: Timer | undefined;
  private resendDue = false;
  private wake: Timer | undefined;
  private running = false;
  private worker: Promise<void> = Promise.resolve();
  private flushing = 0;

  constructor(target: NotifyTarget, d: ChannelDeps) {
    this.target = target;
    this.d = d;
    this.host = targetHost(target);
    this.url = target.kind === 'alertmanager' ? alertsUrl(target.url) : target.url;
    this.bucket = new TokenBucket(d.maxPerMinute, d.clock.now());
    this.waits = new ClockWaits(d.clock);
    if (target.kind === 'alertmanager') {
      this.book = new AlertBook(d.ctx);
      this.resendTimer = every(d.clock, target.resendEveryMs ?? defaultResendEveryMs, () => {
        this.resendDue = true;
        this.kick();
      });
    }
  }

  offer(incident: Incident, what: 'opened' | 'updated' | 'status'): void {
    const slot = this.slots.get(incident.id);
    if (slot) {
      slot.incident = incident;
      slot.opened ||= what === 'opened';
      slot.status ||= what === 'status';
    } else this.slots.set(incident.id, { incident, opened: what === 'opened', status: what === 'status' });
    this.kick();
  }

  /** Re-posts the open incidents to Alertmanager now instead of at the next tick (a new term). */
  repost(): void {
    if (!this.book) return;
    this.resendDue = true;
    this.kick();
  }

  /** Sends everything queued now, minimum interval or not, and resolves once nothing is left. */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      while (!this.d.closed.aborted && (this.running || this.slots.size > 0)) {
        this.kick();
        await this.worker;
      }
    } finally {
      this.flushing--;
    }
  }

  close(): void {
    this.resendTimer?.cancel();
    this.wake?.cancel();
    this.slots.clear();
    this.waits.stopAll();
  }

  private kick(): void {
    if (this.running || this.d.closed.aborted) return;
    this.running = true;
    this.worker = this.run();
  }

  private async run(): Promise<void> {
    try {
      // Start on a later turn so a synchronous burst of changes collapses into one slot.
      await undefined;
      for (let job = this.nextJob(); job; job = this.nextJob()) await job();
    } catch (err) {
      this.d.log('notify: internal error', { kind: this.target.kind, host: this.host, error: String(err) });
    } finally {
      // Cleared in the same turn as the last empty nextJob(), so a later offer() always kicks.
      this.running = false;
    }
  }

  private nextJob(): (() => Promise<void>) | undefined {
    if (this.d.closed.aborted) return undefined;
    const now = this.d.clock.now();
    if (this.resendDue) {
      this.resendDue = false;
      if (this.book && this.d.acting()) return () => this.resend();
    }
    let wakeAt = Number.POSITIVE_INFINITY;
    for (const [id, slot] of this.slots) {
      const last = this.accepted.get(id);
      const forced = slot.opened || (slot.incident.status === 'resolved' && last?.status !== 'resolved');
      if (!forced && last?.key === stateKey(slot.incident)) {
        this.slots.delete(id);
        this.d.stats.dropped++;
        continue;
      }
      const due = forced || !last || this.flushing > 0 ? now : last.atMs + this.d.minIntervalMs;
      if (due <= now) {
        this.slots.delete(id);
        return () => this.deliver(slot);
      }
      wakeAt = Math.min(wakeAt, due);
    }
    this.wake?.cancel();
    this.wake =
      wakeAt < Number.POSITIVE_INFINITY ? this.d.clock.after(wakeAt - now, () => this.kick()) : undefined;
    return undefined;
  }

  private async deliver(first: Slot): Promise<void> {
    let slot = first;
    const id = slot.incident.id;
    for (let attempt = 1; ; attempt++) {
      if (!(await this.token())) return;
      const body = this.body(slot);
      const out = await this.post(body);
      if (this.d.closed.aborted) return; // shut down mid-request: not the target's failure
      if (out.ok) {
        this.d.stats.sent[this.target.kind]++;
        const { incident } = slot;
        this.accepted.set(id, { key: stateKey(incident), status: incident.status, atMs: this.d.clock.now() });
        if (this.book) this.book.delivered(body as PostableAlert[]);
        return;
      }
      if (!out.retry || attempt >= this.d.retry.attempts || this.d.closed.aborted) {
        this.gaveUp(out, id, attempt);
        if (slot.incident.status === 'resolved') this.book?.forget(id);
        return;
      }
      const waitMs = backoffMs(attempt, this.d.retry, this.d.random, out.afterMs);
      this.d.log('notify: will retry', { ...this.where(out), incident: id, attempt, waitMs });
      if (!(await this.wait(waitMs))) return;
      // Whatever changed meanwhile goes out in the retry instead of in a message of its own.
      const newer = this.slots.get(id);
      if (newer) {
        this.slots.delete(id);
        slot = {
          incident: newer.incident,
          opened: slot.opened || newer.opened,
          status: slot.status || newer.status,
        };
      }
    }
  }

  /** Every open incident in one request; no retries, the next re-post is the retry. */
  private async resend(): Promise<void> {
    if (!this.book || !(await this.token())) return;
    // The lead can be lost while waiting for the token.
    if (!this.d.acting()) return;
    const open = this.d.openIncidents().filter((i) => i.status !== 'resolved');
    const alerts = this.book.alerts(this.d.clock.now(), open);
    if (alerts.length === 0) return;
    const out = await this.post(alerts);
    if (out.ok) {
      this.d.stats.sent.alertmanager++;
      this.book.delivered(alerts);
    } else this.gaveUp(out, undefined, 1);
  }

  private body(slot: Slot): unknown {
    const { incident } = slot;
    const event = eventOf(slot);
    if (this.target.kind === 'slack') return slackMessage(incident, event, this.d.ctx);
    if (this.target.kind === 'webhook')
      return webhookPayload(incident, event, this.d.ctx, this.d.clock.now());
    return this.book!.alerts(this.d.clock.now(), [incident]);
  }

  /** Every request to every target passes here, redacted on its way out (deliver.ts). */
  private post(body: unknown): Promise<Outcome> {
    return postRedactedJson(this.url, body, {
      fetch: this.d.fetch,
      clock: this.d.clock,
      timeoutMs: this.d.timeoutMs,
      signal: this.d.closed,
      headers: this.target.kind === 'webhook' ? this.target.headers : undefined,
    });
  }

  private gaveUp(out: Outcome, incident: string | undefined, attempts: number): void {
    this.d.stats.failed[this.target.kind]++;
    this.d.log('notify: gave up on a message', { ...this.where(out), incident, attempts });
  }

  /** Log fields naming the target by kind and host only: its URL is a secret. */
  private where(out: Outcome): object {
    return out.ok
      ? { kind: this.target.kind, host: this.host, status: out.status }
      : { kind: this.target.kind, host: this.host, status: out.status, why: out.why };
  }

  private async token(): Promise<boolean> {
    for (;;) {
      if (this.d.closed.aborted) return false;
      const waitMs = this.bucket.take(this.d.clock.now());
      if (waitMs === 0) return true;
      if (!(await this.wait(waitMs))) return false;
    }
  }

  /** Resolves true after `ms` of clock time, or false at once when the notifier closes. */
  private wait(ms: number): Promise<boolean> {
    return this.waits.wait(ms);
  }
}
