/**
 * Tells status-page subscribers: each webhook gets the Statuspage-shaped JSON
 * (status-notification.ts), each e-mail address a message through the configured
 * sendmail-compatible command (the RFC 5322 message on its standard input). `tell()` only
 * queues and returns, so publishing never waits on a subscriber; each subscriber's
 * messages go out in order, one at a time, retried with backoff (deliver.ts) when the
 * receiver fails or the command exits non-zero, and given up on after the last attempt.
 * Webhook URLs are secrets: logs name a subscriber by id and host only, and every body is
 * redacted on its way out (postRedactedJson).
 */
import { spawn } from 'node:child_process';
import type { Subscriber } from '../../incident/subscriber.ts';
import type { Clock } from '../../time/clock.ts';
import { redactDeep } from '../redact.ts';
import { ClockWaits } from './clock-waits.ts';
import { backoffMs, type Outcome, postRedactedJson, type RetryOptions } from './deliver.ts';
import { mailMessage, mailText } from './mail-message.ts';
import type { StatusNotification, StatusPageContext } from './status-notification.ts';

/** Hands one message to the mail system; a failure says why. */
export type MailSender = (
  message: string,
  signal: AbortSignal,
) => Promise<{ ok: true } | { ok: false; why: string }>;

/**
 * `--subscriber-mail-command`: run through `/bin/sh -c` (so it may carry flags and quotes, as
 * configured by the operator, never by a subscriber), the message on standard input.
 * Exit 0 is accepted; anything else, or no exit within `timeoutMs`, is a failure to retry.
 */
export function shellMailSender(command: string, o: { clock: Clock; timeoutMs: number }): MailSender {
  return (message, signal) =>
    new Promise((resolve) => {
      const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'ignore', 'pipe'], signal });
      let stderr = '';
      let settled = false;
      const done = (r: { ok: true } | { ok: false; why: string }) => {
        if (settled) return;
        settled = true;
        timer.cancel();
        resolve(r);
      };
      const timer = o.clock.after(o.timeoutMs, () => {
        child.kill('SIGKILL');
        done({ ok: false, why: `the mail command did not finish in ${o.timeoutMs} ms` });
      });
      child.stderr.on('data', (d: Buffer) => {
        if (stderr.length < 500) stderr += d.toString();
      });
      child.on('error', (err) => done({ ok: false, why: err.message }));
      child.on('close', (code, sig) =>
        done(
          code === 0
            ? { ok: true }
            : {
                ok: false,
                why: `the mail command exited ${sig ?? code}${stderr ? `: ${stderr.trim().slice(0, 200)}` : ''}`,
              },
        ),
      );
      // A command that exits without reading its input closes the pipe: that is its exit's story.
      child.stdin.on('error', () => {});
      child.stdin.end(message);
    });
}

export interface SubscriberDeliveryOptions {
  clock: Clock;
  ctx: StatusPageContext;
  /** The subscribers now (the book's list): who a notification is queued for. */
  subscribers: () => readonly Subscriber[];
  /** How e-mail leaves, and from whom; absent, e-mail subscribers are skipped (and it is logged). */
  mail?: { send: MailSender; from: string };
  fetch?: typeof fetch;
  retry?: Partial<RetryOptions>;
  /** A webhook with no answer by then is abandoned and retried (Statuspage allows its receivers 30 s). */
  timeoutMs?: number;
  random?: () => number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

interface Queue {
  subscriber: Subscriber;
  pending: StatusNotification[];
  worker?: Promise<void>;
}

export class SubscriberDelivery {
  private readonly o: SubscriberDeliveryOptions;
  private readonly retry: RetryOptions;
  private readonly queues = new Map<string, Queue>();
  private readonly closing = new AbortController();
  private readonly waits: ClockWaits;
  private seq = 0;
  readonly counts = { sent: 0, failed: 0 };

  constructor(o: SubscriberDeliveryOptions) {
    this.o = o;
    this.retry = { attempts: 5, baseMs: 1_000, maxMs: 60_000, ...o.retry };
    this.waits = new ClockWaits(o.clock);
  }

  /** Queues the notification for every subscriber and returns at once; never throws. */
  tell(n: StatusNotification): void {
    if (this.closing.signal.aborted) return;
    try {
      for (const s of this.o.subscribers()) {
        if (s.kind === 'email' && !this.o.mail) {
          this.log('subscribers: no --subscriber-mail-command, e-mail not sent', { subscriber: s.id });
          continue;
        }
        const q = this.queues.get(s.id) ?? { subscriber: s, pending: [] };
        this.queues.set(s.id, q);
        q.pending.push(n);
        q.worker ??= this.work(q).finally(() => {
          q.worker = undefined;
          if (!q.pending.length) this.queues.delete(s.id);
        });
      }
    } catch (err) {
      this.log('subscribers: could not queue a notification', { error: String(err) });
    }
  }

  /** Resolves once everything queued has been delivered or given up on. */
  async flush(): Promise<void> {
    while ([...this.queues.values()].some((q) => q.worker))
      await Promise.all([...this.queues.values()].map((q) => q.worker));
  }

  /** Stops retries and requests in flight; what is queued is dropped. */
  close(): void {
    this.closing.abort();
    this.waits.stopAll();
  }

  private async work(q: Queue): Promise<void> {
    // On a later turn: building and sending a message is no part of the publisher's turn.
    await undefined;
    for (let n = q.pending.shift(); n && !this.closing.signal.aborted; n = q.pending.shift())
      await this.deliver(q.subscriber, n);
  }

  private async deliver(s: Subscriber, n: StatusNotification): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const out = await this.send(s, n);
      if (this.closing.signal.aborted) return;
      if (out.ok) {
        this.counts.sent++;
        return;
      }
      if (!out.retry || attempt >= this.retry.attempts) {
        this.counts.failed++;
        this.log('subscribers: gave up on a notification', { ...where(s), attempts: attempt, why: out.why });
        return;
      }
      const waitMs = backoffMs(attempt, this.retry, this.o.random ?? Math.random, out.afterMs);
      this.log('subscribers: will retry', { ...where(s), attempt, waitMs, why: out.why });
      if (!(await this.waits.wait(waitMs))) return;
    }
  }

  private async send(s: Subscriber, n: StatusNotification): Promise<Outcome> {
    if (s.kind === 'webhook')
      return postRedactedJson(s.endpoint, n, {
        fetch: this.o.fetch ?? globalThis.fetch,
        clock: this.o.clock,
        timeoutMs: this.o.timeoutMs ?? 30_000,
        signal: this.closing.signal,
      });
    const mail = this.o.mail!;
    // The same redaction as every webhook body (postRedactedJson): an e-mail quotes the same words.
    const { subject, text } = mailText(this.o.ctx, redactDeep(n));
    const message = mailMessage({
      from: mail.from,
      to: s.endpoint,
      subject,
      text,
      nowMs: this.o.clock.now(),
      messageId: `${this.o.clock.now()}.${++this.seq}.${s.id}@kubetriage`,
    });
    const r = await mail.send(message, this.closing.signal);
    return r.ok ? { ok: true, status: 0 } : { ok: false, retry: true, why: r.why };
  }

  private log(msg: string, fields?: Record<string, unknown>): void {
    this.o.log?.(msg, fields);
  }
}

/** A subscriber as logs may name it: its id, and a webhook's host (its URL is a secret). */
function where(s: Subscriber): Record<string, unknown> {
  return s.kind === 'webhook'
    ? { subscriber: s.id, kind: s.kind, host: URL.parse(s.endpoint)?.host ?? '(bad url)' }
    : { subscriber: s.id, kind: s.kind };
}
