/**
 * The feed's scale targets (issue: initial sync of 5,000 nodes and 150,000 pods under
 * 20 s, resident memory under 500 MiB after sync, 20,000 watch events/s on one core),
 * measured against a simulator in another process over HTTPS.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { detectAll } from '../src/detect/all.ts';
import { coreSourceDetectors } from '../src/detect/core-sources.ts';
import { ApiClient } from '../src/kube/api-client.ts';
import { LiveFeed } from '../src/kube/live-feed.ts';
import { watchedResources } from '../src/kube/observations.ts';
import { ClusterView } from '../src/observe/cluster-view.ts';
import { realClock } from '../src/time/clock.ts';
import type { Figure } from './figure.ts';

export async function feedSync(o: {
  nodes: number;
  pods: number;
  events: number;
  report: (f: Figure) => void;
  collect: () => void;
  progress: (m: string) => void;
}): Promise<void> {
  o.progress(`starting a simulator with ${o.nodes} nodes and ${o.pods} pods in another process`);
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('./clients/sim-server.ts', import.meta.url)), String(o.nodes), String(o.pods)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const next = (): Promise<string> => new Promise((resolve) => lines.once('line', resolve));
  const { kubeconfig } = JSON.parse(await next()) as { url: string; kubeconfig: string };
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const view = new ClusterView();
    let events = 0;
    const feed = new LiveFeed({
      client: new ApiClient(kc, { now: () => realClock.now(), requestTimeoutMs: 60_000 }),
      clock: realClock,
      sink: (obs) => {
        if (obs.type === 'upsert') events++;
        view.apply(obs);
      },
    });
    o.collect();
    const started = performance.now();
    feed.start();
    // A resource the role may not list (403) never syncs; it counts as settled.
    while (!watchedResources.every((r) => view.synced(r) || view.forbidden(r))) await realClock.sleep(20);
    const syncMs = performance.now() - started;
    o.collect();
    const rss = process.memoryUsage().rss / 1024 / 1024;
    o.report({
      bench: 'feed-sync',
      figure: 'objects synced',
      value: view.count('pods') + view.count('nodes') + view.count('leases'),
      unit: 'objects',
    });
    o.report({ bench: 'feed-sync', figure: 'initial sync', value: syncMs / 1000, unit: 's' });
    o.report({ bench: 'feed-sync', figure: 'resident memory after sync', value: rss, unit: 'MiB' });
    const mem = process.memoryUsage();
    o.report({
      bench: 'feed-sync',
      figure: 'heap used after sync',
      value: mem.heapUsed / 1024 / 1024,
      unit: 'MiB',
    });
    o.report({
      bench: 'feed-sync',
      figure: 'heap committed after sync',
      value: mem.heapTotal / 1024 / 1024,
      unit: 'MiB',
    });
    o.report({
      bench: 'feed-sync',
      figure: 'external + buffers after sync',
      value: (mem.external + mem.arrayBuffers) / 1024 / 1024,
      unit: 'MiB',
    });

    // One round of the detectors over the synced view: per-round work must stay cheap.
    const now = realClock.now();
    let at = performance.now();
    detectAll(view, now, coreSourceDetectors);
    o.report({
      bench: 'feed-sync',
      figure: 'core-source detectors, 1 round',
      value: performance.now() - at,
      unit: 'ms',
    });
    at = performance.now();
    detectAll(view, now);
    o.report({
      bench: 'feed-sync',
      figure: 'all detectors, 1 round',
      value: performance.now() - at,
      unit: 'ms',
    });

    o.progress(`churning ${o.events} pod updates`);
    events = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    child.stdin!.write(`churn ${o.events}\n`);
    await next();
    while (events < o.events) await realClock.sleep(5);
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    o.report({ bench: 'feed-sync', figure: 'watch events received', value: events, unit: 'events' });
    o.report({
      bench: 'feed-sync',
      figure: 'events per CPU-second (one core)',
      value: events / cpuS,
      unit: 'events/s',
    });
    o.report({
      bench: 'feed-sync',
      figure: 'events per wall-second',
      value: events / wallS,
      unit: 'events/s',
    });
    await feed.stop();
  } finally {
    child.kill();
  }
}
