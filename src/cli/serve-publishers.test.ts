/**
 * `serve`'s publishers across terms of acting: the record handed over after the restore is
 * what Alertmanager is sent on starting to act, nothing is re-posted while not acting, and
 * the metrics count from each term's start and go quiet between terms. A local receiver
 * stands in for Alertmanager; the rounds' times are plain numbers.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openedIncident } from '../incident/fixtures.ts';
import { ClusterView } from '../observe/cluster-view.ts';
import type { PostableAlert } from '../publish/notify/alertmanager.ts';
import { type Publishers, publishers } from './serve-publishers.ts';

const T0 = Date.UTC(2026, 0, 1, 15, 0, 0);
const min = 60_000;

let server: Server | undefined;
let pub: Publishers | undefined;

afterEach(async () => {
  await pub?.close();
  const s = server;
  s?.closeAllConnections();
  if (s) await new Promise((resolve) => s.close(resolve));
  pub = server = undefined;
});

/** An Alertmanager stand-in that takes every post and keeps its body. */
async function alertmanager(): Promise<{ url: string; posts: PostableAlert[][] }> {
  const posts: PostableAlert[][] = [];
  const s = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      posts.push(JSON.parse(raw));
      res.writeHead(200).end();
    });
  });
  server = s;
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, posts };
}

describe('serve publishers across terms', () => {
  it('sends the restored record to Alertmanager on starting to act, and nothing while not acting', async () => {
    const am = await alertmanager();
    pub = publishers({ cluster: 'prod', targets: [`alertmanager=${am.url}`] });
    const restored = openedIncident('INC-0007', 'cluster-dns', { onsetMs: T0, openedAtMs: T0 + min });
    pub.readOpenIncidentsFrom(() => [restored]);

    // A follower that has not led yet: no re-posts of anything.
    pub.notifier.repost();
    await pub.notifier.flush();
    expect(am.posts).toEqual([]);

    pub.startedActing(T0 + 10 * min);
    await pub.notifier.flush();
    expect(am.posts.map((p) => p.map((a) => a.labels.incident))).toEqual([['INC-0007']]);

    pub.stoppedActing();
    pub.notifier.repost();
    await pub.notifier.flush();
    expect(am.posts).toHaveLength(1);
  });

  it('counts from the start of each term and clears the gauges between terms', async () => {
    pub = publishers({ cluster: 'prod', targets: [] });
    const view = new ClusterView();
    view.apply({ type: 'source', source: 'reflector/pods', ok: true, atMs: T0 });
    const ours = openedIncident('INC-0001', 'cluster-dns', { onsetMs: T0, openedAtMs: T0 + min });
    pub.startedActing(T0);
    pub.onRound(view, T0 + min, [ours]);
    pub.stoppedActing();
    const between = await pub.metrics.metricsText();
    expect(between).toMatch(/^kubetriage_incidents_open\{pattern="cluster-dns".*\} 0$/m);
    expect(between).not.toMatch(/^kubetriage_source_fresh\{/m);

    // Another replica led meanwhile and opened (and counted) INC-0002.
    const theirs = openedIncident('INC-0002', 'node-network', {
      onsetMs: T0 + 2 * min,
      openedAtMs: T0 + 3 * min,
    });
    pub.startedActing(T0 + 10 * min);
    view.apply({ type: 'source', source: 'reflector/pods', ok: true, atMs: T0 + 10 * min });
    pub.onRound(view, T0 + 10 * min, [ours, theirs]);
    const text = await pub.metrics.metricsText();
    expect(text).toMatch(/^kubetriage_incidents_total\{pattern="cluster-dns",.*\} 1$/m);
    expect(text).not.toMatch(/^kubetriage_incidents_total\{pattern="node-network"/m);
    expect(text).toMatch(/^kubetriage_incidents_open\{pattern="node-network".*\} 1$/m);
    expect(text).toMatch(/^kubetriage_source_fresh\{source="reflector\/pods"\} 1$/m);
  });
});

describe('serve publishers at shutdown', () => {
  it('let the process finish closing while a retry waits on a target that refuses', async () => {
    // Its own process: what matters is whether Node exits 0 or with the close still awaited (13).
    const script = `
      import { publishers } from ${JSON.stringify(new URL('./serve-publishers.ts', import.meta.url).href)};
      import { openedIncident } from ${JSON.stringify(new URL('../incident/fixtures.ts', import.meta.url).href)};
      const pub = publishers({ cluster: 'prod', targets: ['webhook=http://127.0.0.1:9/hook'] });
      pub.startedActing(${T0});
      pub.listeners[0].notify({ incident: openedIncident('INC-0001', 'cluster-dns', { onsetMs: ${T0}, openedAtMs: ${T0} }), what: 'opened' });
      await new Promise((r) => setTimeout(r, 300));
      await pub.close();
      console.log('closed');
    `;
    const { execFile } = await import('node:child_process');
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 }, (err, stdout) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
      );
    });
    expect(out).toEqual({ code: 0, stdout: 'closed\n' });
  }, 90_000);
});
