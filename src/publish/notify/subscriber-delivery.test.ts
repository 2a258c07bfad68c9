/**
 * Delivery to status-page subscribers: webhooks get Statuspage's notification JSON,
 * redacted; e-mail goes to a sendmail-compatible command (here a script that records its
 * standard input); failures are retried with backoff on a ManualClock and given up on after
 * the last attempt; logs never carry a webhook's URL; `tell()` never waits for delivery.
 */
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.ts';
import { incident, t0 } from '../../incident/fixtures.ts';
import type { Subscriber } from '../../incident/subscriber.ts';
import { ManualClock } from '../../time/manual-clock.ts';
import { seededRandom } from '../../time/virtual-clock.ts';
import { buildStatusPage, publicIncident } from '../status-page.ts';
import { incidentNotification, type StatusNotification } from './status-notification.ts';
import { SubscriberDelivery, shellMailSender } from './subscriber-delivery.ts';

const ctx = { name: 'Prod status', cluster: 'prod-eu', publicUrl: 'https://status.example' };
const secretUrl = 'https://hooks.example.com/in/T0123/s3cr3t-path?key=abcdef';

function notification(): StatusNotification {
  const i = incident({ status: 'identified' });
  i.updates.push({
    atMs: t0,
    status: 'identified',
    message: 'Cause found; the failing job logged password=hunter2 and we rotated it.',
    author: 'ana',
  });
  const page = buildStatusPage({ name: ctx.name, nowMs: t0, incidents: [i] });
  return incidentNotification(ctx, page, publicIncident(i));
}

const sub = (id: string, kind: Subscriber['kind'], endpoint: string): Subscriber => ({
  id,
  kind,
  endpoint,
  createdAtMs: t0,
  author: 'ana',
});

/** A fetch that answers from a script (then 200) and records what was posted. */
function fakeFetch(replies: number[] = []) {
  const calls: { url: string; body: unknown }[] = [];
  const fn = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), body: JSON.parse(String(init?.body)) });
    return new Response('x', { status: replies.shift() ?? 200 });
  }) as typeof fetch;
  return { fn, calls };
}

let dir: string;
let delivery: SubscriberDelivery | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kt-subs-'));
});
afterEach(async () => {
  delivery?.close();
  await rm(dir, { recursive: true, force: true });
});

function setup(
  subscribers: Subscriber[],
  more: Partial<ConstructorParameters<typeof SubscriberDelivery>[0]> = {},
) {
  const clock = (more.clock as ManualClock | undefined) ?? new ManualClock(t0);
  const logs: string[] = [];
  delivery = new SubscriberDelivery({
    clock,
    ctx,
    subscribers: () => subscribers,
    random: seededRandom(3),
    retry: { attempts: 3, baseMs: 1_000, maxMs: 10_000 },
    log: (msg, fields) => logs.push(`${msg} ${JSON.stringify(fields)}`),
    ...more,
  });
  const advanceUntil = (what: string, cond: () => boolean) =>
    waitFor(what, () => {
      if (cond()) return true;
      clock.advance(500);
      return false;
    });
  return { clock, logs, delivery, advanceUntil };
}

describe('webhook subscribers', () => {
  it('get the Statuspage-shaped notification, redacted, without the publisher waiting', async () => {
    const f = fakeFetch();
    const { delivery } = setup([sub('sub-1', 'webhook', secretUrl)], { fetch: f.fn });
    delivery.tell(notification());
    // Queued, not sent: publishing never waits on a subscriber.
    expect(f.calls).toHaveLength(0);
    await delivery.flush();
    expect(f.calls.map((c) => c.url)).toEqual([secretUrl]);
    const body = f.calls[0].body as {
      meta: unknown;
      page: unknown;
      incident: { incident_updates: { body: string }[] };
    };
    expect(Object.keys(body)).toEqual(['meta', 'page', 'incident']);
    expect(body.meta).toEqual({ unsubscribe: null, documentation: 'https://status.example/status' });
    expect(body.page).toMatchObject({
      id: 'prod-eu',
      status_indicator: 'major',
      url: 'https://status.example/status',
    });
    expect(body.incident).toMatchObject({ id: 'INC-0001', status: 'identified', impact: 'major' });
    expect(body.incident.incident_updates[0].body).toBe(
      'Cause found; the failing job logged password=[REDACTED] and we rotated it.',
    );
  });

  it('are retried with backoff, and the logs name the host, never the URL', async () => {
    const f = fakeFetch([500, 503]);
    const { logs, advanceUntil, delivery } = setup([sub('sub-1', 'webhook', secretUrl)], { fetch: f.fn });
    delivery.tell(notification());
    await advanceUntil('three attempts', () => delivery.counts.sent === 1);
    expect(f.calls).toHaveLength(3);
    expect(logs.filter((l) => l.startsWith('subscribers: will retry'))).toHaveLength(2);
    expect(logs.join('\n')).toContain('hooks.example.com');
    expect(logs.join('\n')).not.toContain('s3cr3t');
    expect(logs.join('\n')).not.toContain('abcdef');
  });

  it('are given up on after the last attempt, and a dead one does not hold up the others', async () => {
    const f = fakeFetch([500, 500, 500]);
    const dead = 'https://dead.example/hook';
    const fetchBy = (async (url: string | URL | Request, init?: RequestInit) =>
      String(url) === dead ? f.fn(url, init) : new Response('ok')) as typeof fetch;
    const alive = fakeFetch();
    const { logs, advanceUntil, delivery } = setup(
      [sub('sub-1', 'webhook', dead), sub('sub-2', 'webhook', 'https://alive.example/hook')],
      {
        fetch: (async (u: string | URL | Request, i?: RequestInit) =>
          String(u) === dead ? fetchBy(u, i) : alive.fn(u, i)) as typeof fetch,
      },
    );
    delivery.tell(notification());
    await waitFor('the live one', () => alive.calls.length === 1);
    await advanceUntil('giving up', () => delivery.counts.failed === 1);
    expect(f.calls).toHaveLength(3);
    expect(logs.some((l) => l.startsWith('subscribers: gave up') && l.includes('"attempts":3'))).toBe(true);
  });
});

describe('e-mail subscribers', () => {
  /** A stand-in for sendmail: records its arguments and standard input, exits as told. */
  async function fakeSendmail(exitCodes: number[]): Promise<string> {
    const script = join(dir, 'sendmail');
    await writeFile(join(dir, 'exits'), exitCodes.join('\n'));
    await writeFile(
      script,
      `#!/bin/sh
n=$(ls "${dir}" | grep -c '^mail-')
cat > "${dir}/mail-$n"
echo "$@" > "${dir}/args-$n"
code=$(sed -n "$((n + 1))p" "${dir}/exits")
exit \${code:-0}
`,
    );
    await chmod(script, 0o755);
    return `${script} -t -i`;
  }

  const mails = async () =>
    Promise.all(
      (await readdir(dir))
        .filter((f) => f.startsWith('mail-'))
        .sort()
        .map((f) => readFile(join(dir, f), 'utf8')),
    );

  it('hands an RFC 5322 message to the mail command on its standard input', async () => {
    const command = await fakeSendmail([0]);
    const clock = new ManualClock(t0);
    const { delivery } = setup([sub('sub-9', 'email', 'ops@example.com')], {
      clock,
      mail: { send: shellMailSender(command, { clock, timeoutMs: 60_000 }), from: 'status@example.com' },
    });
    delivery.tell(notification());
    await delivery.flush();
    const [mail] = await mails();
    const [head, ...rest] = mail.split('\r\n\r\n');
    const body = rest.join('\r\n\r\n');
    expect(head.split('\r\n')).toEqual([
      'From: status@example.com',
      'To: ops@example.com',
      'Subject: [Prod status] Nodes unavailable: Identified',
      'Date: Thu, 01 Jan 2026 15:02:00 +0000',
      expect.stringMatching(/^Message-ID: <\d+\.1\.sub-9@kubetriage>$/),
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      'Auto-Submitted: auto-generated',
    ]);
    expect(body).toContain('Status: Identified');
    expect(body).toContain('Cause found; the failing job logged password=[REDACTED] and we rotated it.');
    expect(mail).not.toContain('hunter2');
    expect(body).toContain('Status page: https://status.example/status');
    expect((await readFile(join(dir, 'args-0'), 'utf8')).trim()).toBe('-t -i');
  });

  it('retries when the mail command fails, and skips e-mail when none is configured', async () => {
    const command = await fakeSendmail([75, 0]);
    const clock = new ManualClock(t0);
    const { delivery, advanceUntil, logs } = setup([sub('sub-9', 'email', 'ops@example.com')], {
      clock,
      mail: { send: shellMailSender(command, { clock, timeoutMs: 60_000 }), from: 'status@example.com' },
    });
    delivery.tell(notification());
    await advanceUntil('the second try', () => delivery.counts.sent === 1).catch((err) => {
      throw new Error(`${err.message}: ${JSON.stringify(logs)}`);
    });
    expect(await mails()).toHaveLength(2);

    const none = setup([sub('sub-9', 'email', 'ops@example.com')]);
    none.delivery.tell(notification());
    await none.delivery.flush();
    expect(none.logs).toEqual([
      'subscribers: no --subscriber-mail-command, e-mail not sent {"subscriber":"sub-9"}',
    ]);
  });
});
