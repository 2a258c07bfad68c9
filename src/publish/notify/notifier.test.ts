/**
 * The notifier against a real local HTTP receiver standing in for Slack, a generic webhook
 * and Alertmanager. Time is a ManualClock the tests move by hand: intervals, backoff,
 * Retry-After and re-posts are checked in that clock's time, never against the wall clock.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.ts';
import { incident } from '../../incident/fixtures.ts';
import type { Incident } from '../../incident/incident.ts';
import { rfc3339 } from '../../time/clock.ts';
import { ManualClock } from '../../time/manual-clock.ts';
import { seededRandom } from '../../time/virtual-clock.ts';
import type { PostableAlert } from './alertmanager.ts';
import { Notifier, type NotifierOptions } from './notifier.ts';
import type { SlackMessage } from './slack.ts';
import type { WebhookPayload } from './webhook.ts';

interface Hit {
  path: string;
  body: unknown;
  headers: IncomingHttpHeaders;
  /** The test clock's time when the request arrived. */
  atMs: number;
}

type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

/** Records every request; answers each path from its script, then 200 `ok`. */
class Receiver {
  readonly hits: Hit[] = [];
  readonly url: string;
  private readonly scripts = new Map<string, Reply[]>();
  private readonly server: Server;
  private readonly hanging: ServerResponse[] = [];

  private constructor(server: Server, clock: ManualClock) {
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    server.on('request', (req, res) => {
      let raw = '';
      req.on('data', (c) => {
        raw += c;
      });
      req.on('end', () => {
        const path = req.url ?? '';
        this.hits.push({ path, body: JSON.parse(raw), headers: req.headers, atMs: clock.now() });
        const reply = this.scripts.get(path)?.shift() ?? { status: 200, body: 'ok' };
        if (reply === 'hang') return void this.hanging.push(res);
        res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
      });
    });
  }

  static start(clock: ManualClock): Promise<Receiver> {
    const server = createServer();
    return new Promise((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve(new Receiver(server, clock))),
    );
  }

  script(path: string, ...replies: Reply[]): void {
    this.scripts.set(path, replies);
  }

  on<T>(path: string): T[] {
    return this.hits.filter((h) => h.path === path).map((h) => h.body as T);
  }

  at(path: string): number[] {
    return this.hits.filter((h) => h.path === path).map((h) => h.atMs);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let open: { receiver: Receiver; notifier?: Notifier }[] = [];

afterEach(async () => {
  for (const o of open) {
    o.notifier?.close();
    await o.receiver.close();
  }
  open = [];
});

async function setup(
  targets: (url: string) => NotifierOptions['targets'],
  more: Partial<NotifierOptions> = {},
) {
  const clock = new ManualClock();
  const receiver = await Receiver.start(clock);
  const logs: [string, object | undefined][] = [];
  const notifier = new Notifier({
    clock,
    targets: targets(receiver.url),
    cluster: 'prod-eu',
    publicUrl: 'https://triage.example',
    random: seededRandom(7),
    // Long enough that moving the clock by hand never times out a local request.
    timeoutMs: 3_600_000,
    log: (msg, fields) => logs.push([msg, fields]),
    openIncidents: () => [],
    ...more,
  });
  open.push({ receiver, notifier });
  /** Moves the clock a step at a time until `cond` holds (waiting for real I/O in between). */
  const advanceUntil = (what: string, cond: () => boolean, stepMs = 1_000) =>
    waitFor(what, () => {
      if (cond()) return true;
      clock.advance(stepMs);
      return false;
    });
  return { clock, receiver, notifier, logs, advanceUntil };
}

const opened = (over: Partial<Incident> = {}) => ({
  incident: incident({ status: 'investigating', openedAtMs: Date.UTC(2026, 0, 1), ...over }),
  what: 'opened' as const,
});

describe('notifier', () => {
  it('delivers Slack, webhook and Alertmanager payloads with the right content', async () => {
    const { receiver, notifier } = await setup((url) => [
      { kind: 'slack', url: `${url}/slack` },
      { kind: 'webhook', url: `${url}/hook`, headers: { authorization: 'Bearer t0ken' } },
      { kind: 'alertmanager', url: `${url}/am` },
    ]);
    notifier.notify(opened());
    await notifier.flush();

    const [slack] = receiver.on<SlackMessage>('/slack');
    expect(slack.text).toBe('[CRITICAL] Incident opened: Nodes lost their network (prod-eu, Investigating)');
    expect(slack.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '🔴 CRITICAL · Nodes lost their network', emoji: true },
    });
    expect(JSON.stringify(slack.blocks)).toContain('https://triage.example/incidents/INC-0001');

    const [hook] = receiver.on<WebhookPayload>('/hook');
    expect(hook).toMatchObject({
      version: 1,
      event: 'opened',
      cluster: 'prod-eu',
      incident: {
        id: 'INC-0001',
        status: 'investigating',
        pattern: 'node-network',
        openedAt: '2026-01-01T00:00:00Z',
      },
      sentAt: '2026-01-01T00:00:00Z',
    });
    const hookHit = receiver.hits.find((h) => h.path === '/hook')!;
    expect(hookHit.headers.authorization).toBe('Bearer t0ken');
    expect(hookHit.headers['content-type']).toBe('application/json');

    const [alerts] = receiver.on<PostableAlert[]>('/am/api/v2/alerts');
    expect(alerts).toEqual([
      expect.objectContaining({
        labels: expect.objectContaining({
          alertname: 'KubetriageIncident',
          cluster: 'prod-eu',
          incident: 'INC-0001',
        }),
        startsAt: '2026-01-01T00:00:00Z',
        generatorURL: 'https://triage.example/incidents/INC-0001',
      }),
    ]);
    expect(alerts[0].endsAt).toBeUndefined();
    expect(notifier.stats()).toEqual({
      sent: { slack: 1, webhook: 1, alertmanager: 1 },
      failed: { slack: 0, webhook: 0, alertmanager: 0 },
      dropped: 0,
    });
  });

  // Secrets as they reach an incident: quoted from an event in the title, from a container
  // log in the statement, from a pod's args in a next step's command.
  const leaky = () =>
    incident(
      { status: 'investigating' },
      {
        title: 'orders cannot reach postgres://orders:Sup3rS3cret@db.prod:5432/orders',
        statement:
          'api logs: Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhcGkifQ.c2lnbmF0dXJl and password=hunter2',
        nextSteps: [
          {
            say: 'Check the key sk_live_4eC39HqLyjWDarjtT1zdp7dc',
            command: 'mysql --password hunter2 -h db',
          },
        ],
      },
    );
  const secrets = ['Sup3rS3cret', 'eyJhbGciOiJIUzI1NiJ9', 'hunter2', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'];

  it.each([
    ['slack', '/slack'],
    ['webhook', '/hook'],
    ['alertmanager', '/am/api/v2/alerts'],
  ] as const)('sends no secret from the cluster to %s, on a change or a re-post', async (kind, path) => {
    const leak = leaky();
    const { clock, receiver, notifier } = await setup(
      (url) => [{ kind, url: `${url}${path.replace('/api/v2/alerts', '')}`, resendEveryMs: 60_000 }],
      { openIncidents: () => [leak] },
    );
    notifier.notify({ incident: leak, what: 'opened' });
    await notifier.flush();
    clock.advance(60_000);
    await notifier.flush();
    const sent = receiver.on<unknown>(path).map((b) => JSON.stringify(b));
    expect(sent).toHaveLength(kind === 'alertmanager' ? 2 : 1);
    for (const body of sent) {
      for (const secret of secrets) expect(body).not.toContain(secret);
      expect(body).toContain('postgres://[REDACTED]@db.prod:5432/orders');
    }
  });

  it('collapses a burst of updates into one message with the latest state, drops repeats, sends Resolved at once', async () => {
    const { clock, receiver, notifier } = await setup((url) => [
      { kind: 'slack', url: `${url}/slack` },
      { kind: 'webhook', url: `${url}/hook` },
    ]);
    notifier.notify(opened());
    await notifier.flush();
    for (let i = 1; i <= 10; i++) {
      notifier.notify({
        incident: incident(
          { status: 'investigating' },
          { confidence: 0.5 + i * 0.04, statement: `round ${i}` },
        ),
        what: 'updated',
      });
    }
    // Inside the minimum interval nothing more goes out; at its end, one message.
    clock.advance(60_000);
    await waitFor('the collapsed update', () => receiver.on('/hook').length === 2);
    await notifier.flush();
    const hooks = receiver.on<WebhookPayload>('/hook');
    expect(hooks.map((h) => h.event)).toEqual(['opened', 'updated']);
    expect(hooks[1].incident).toMatchObject({ statement: 'round 10', confidence: 0.9 });
    expect(receiver.on('/slack')).toHaveLength(2);

    // The same state again (confidence within the same tenth) is not news.
    notifier.notify({
      incident: incident({ status: 'investigating' }, { confidence: 0.91 }),
      what: 'updated',
    });
    clock.advance(60_000);
    await notifier.flush();
    expect(receiver.on('/hook')).toHaveLength(2);
    expect(notifier.stats().dropped).toBe(2); // once per target

    // Resolved goes out inside the interval, without waiting for it.
    notifier.notify({
      incident: incident({ status: 'resolved', resolvedAtMs: clock.now() }),
      what: 'status',
    });
    await waitFor('the resolution', () => receiver.on('/hook').length === 3);
    expect(receiver.on<WebhookPayload>('/hook')[2].event).toBe('resolved');
  });

  it('retries 500s with backoff until the endpoint takes the message', async () => {
    const { receiver, notifier, advanceUntil } = await setup(
      (url) => [{ kind: 'webhook', url: `${url}/hook` }],
      {
        retry: { baseMs: 1_000 },
      },
    );
    receiver.script('/hook', { status: 500 }, { status: 503 });
    notifier.notify(opened());
    await advanceUntil('the third attempt', () => receiver.hits.length === 3);
    await notifier.flush();
    const [a, b, c] = receiver.at('/hook');
    // Backoff with jitter: attempt n waits between half and all of base·2^(n-1).
    expect(b - a).toBeGreaterThanOrEqual(500);
    expect(c - b).toBeGreaterThanOrEqual(1_000);
    expect(new Set(receiver.on<WebhookPayload>('/hook').map((h) => h.incident.id))).toEqual(
      new Set(['INC-0001']),
    );
    expect(notifier.stats().sent.webhook).toBe(1);
    expect(notifier.stats().failed.webhook).toBe(0);
  });

  it('waits as long as a 429 Retry-After asks', async () => {
    const { receiver, notifier, advanceUntil } = await setup((url) => [
      { kind: 'slack', url: `${url}/slack` },
    ]);
    receiver.script('/slack', { status: 429, headers: { 'retry-after': '30' }, body: 'rate_limited' });
    notifier.notify(opened());
    await advanceUntil('the retry', () => receiver.hits.length === 2, 5_000);
    await notifier.flush();
    const [first, second] = receiver.at('/slack');
    expect(second - first).toBeGreaterThanOrEqual(30_000);
    expect(notifier.stats().sent.slack).toBe(1);
  });

  it('does not retry a 400, and logs the host but never the URL', async () => {
    const { receiver, notifier, logs } = await setup((url) => [
      { kind: 'slack', url: `${url}/slack/T0/B0/s3cret` },
    ]);
    receiver.script('/slack/T0/B0/s3cret', { status: 400, body: 'invalid_blocks' });
    notifier.notify(opened());
    await notifier.flush();
    expect(receiver.hits).toHaveLength(1);
    expect(notifier.stats().failed.slack).toBe(1);
    const logged = JSON.stringify(logs);
    expect(logged).toContain('invalid_blocks');
    expect(logged).toContain(new URL(receiver.url).host);
    expect(logged).not.toContain('s3cret');
  });

  it('rate-limits each target', async () => {
    const { receiver, notifier, advanceUntil } = await setup(
      (url) => [{ kind: 'webhook', url: `${url}/hook` }],
      {
        maxPerMinute: 2,
      },
    );
    for (const id of ['INC-0001', 'INC-0002', 'INC-0003']) notifier.notify(opened({ id }));
    // Two go out at once, on a clock that has not moved; the third waits for a token.
    await waitFor('the first two', () => receiver.hits.length === 2);
    await advanceUntil('the third', () => receiver.hits.length === 3, 5_000);
    const [a, b, c] = receiver.at('/hook');
    expect(b).toBe(a);
    expect(c - a).toBeGreaterThanOrEqual(30_000);
  });

  it('re-posts an open incident to Alertmanager and posts endsAt once it resolves', async () => {
    // The record, as the tracker holds it: open until the resolution below.
    let record: Incident[] = [];
    const { clock, receiver, notifier } = await setup(
      (url) => [{ kind: 'alertmanager', url: `${url}/am`, resendEveryMs: 60_000 }],
      { openIncidents: () => record },
    );
    const posts = () => receiver.on<PostableAlert[]>('/am/api/v2/alerts');
    const change = opened();
    record = [change.incident];
    notifier.notify(change);
    await notifier.flush();
    for (let i = 0; i < 2; i++) {
      clock.advance(60_000);
      await notifier.flush();
    }
    expect(posts()).toHaveLength(3);
    for (const p of posts())
      expect(p).toEqual([expect.objectContaining({ startsAt: '2026-01-01T00:00:00Z' })]);
    expect(posts().every((p) => p[0].endsAt === undefined)).toBe(true);

    const resolvedAtMs = clock.now();
    record = [];
    notifier.notify({ incident: incident({ status: 'resolved', resolvedAtMs }), what: 'status' });
    await notifier.flush();
    expect(posts()).toHaveLength(4);
    expect(posts()[3][0]).toMatchObject({ labels: { incident: 'INC-0001' }, endsAt: rfc3339(resolvedAtMs) });

    // Resolved: no more re-posts.
    clock.advance(180_000);
    await notifier.flush();
    expect(posts()).toHaveLength(4);
    expect(notifier.stats().sent.alertmanager).toBe(4);
  });

  it('keeps firing the open incidents of the record, restored ones never offered included', async () => {
    // A restart or a takeover: the record has an open incident this process never sent.
    const restored = incident({ status: 'identified', openedAtMs: Date.UTC(2025, 11, 31, 23) });
    const { clock, receiver, notifier } = await setup(
      (url) => [{ kind: 'alertmanager', url: `${url}/am`, resendEveryMs: 60_000 }],
      { openIncidents: () => [restored] },
    );
    const posts = () => receiver.on<PostableAlert[]>('/am/api/v2/alerts');
    clock.advance(60_000);
    await notifier.flush();
    expect(posts()).toEqual([
      [
        expect.objectContaining({
          labels: expect.objectContaining({ incident: 'INC-0001', severity: 'critical' }),
          startsAt: '2025-12-31T23:00:00Z',
        }),
      ],
    ]);
    // Re-posts show the record as it is now, and resolve the label set it replaced.
    restored.severity = 'warning';
    clock.advance(60_000);
    await notifier.flush();
    expect(posts()[1].map((a) => [a.labels.severity, a.endsAt])).toEqual([
      ['critical', rfc3339(clock.now())],
      ['warning', undefined],
    ]);
  });

  it('re-posts only while acting, and at once when acting again', async () => {
    let acting = true;
    const change = opened();
    const { clock, receiver, notifier } = await setup(
      (url) => [{ kind: 'alertmanager', url: `${url}/am`, resendEveryMs: 60_000 }],
      { openIncidents: () => [change.incident], acting: () => acting },
    );
    const posts = () => receiver.at('/am/api/v2/alerts');
    notifier.notify(change);
    await notifier.flush();
    expect(posts()).toHaveLength(1);
    // Lost the lead: the new leader keeps the alert firing; this replica's copy may be stale.
    acting = false;
    for (let i = 0; i < 3; i++) {
      clock.advance(60_000);
      await notifier.flush();
    }
    expect(posts()).toHaveLength(1);
    // Leading again: the record goes out now, not at the next tick.
    clock.advance(30_000);
    acting = true;
    notifier.repost();
    await notifier.flush();
    expect(posts()).toEqual([Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1) + 210_000]);
  });

  it('returns from notify() at once while the receiver hangs, and times the request out', async () => {
    const { receiver, notifier, advanceUntil } = await setup(
      (url) => [{ kind: 'slack', url: `${url}/slack` }],
      {
        timeoutMs: 5_000,
        retry: { attempts: 2 },
      },
    );
    receiver.script('/slack', 'hang', 'hang');
    expect(notifier.notify(opened())).toBeUndefined();
    await waitFor('the request to hang', () => receiver.hits.length === 1);
    // Detection goes on: every notify() returns while the first request is still unanswered.
    for (let i = 0; i < 1000; i++)
      notifier.notify({ incident: incident({}, { confidence: i / 1000 }), what: 'updated' });
    expect(notifier.stats().sent.slack).toBe(0);
    await advanceUntil('the retry to time out too', () => notifier.stats().failed.slack === 1);
    expect(receiver.hits).toHaveLength(2);
    notifier.close();
    await notifier.flush();
    expect(notifier.stats().sent.slack).toBe(0);
  });
});
