/**
 * Connecting to a live cluster the way `status`, `scan` and `watch` all do: kubeconfig
 * rules like kubectl's, one API client, the live feed into a cluster view (with
 * kube-proxy metrics, ingress counters and component logs chosen from the view), and a
 * wait for the first full sync with progress on a terminal.
 */

import type { Command } from 'commander';
import { transportErrorKind } from '../detect/log-lines.ts';
import { ApiClient } from '../kube/api-client.ts';
import type { FeedStats } from '../kube/feed-stats.ts';
import { type LoadedKubeConfig, loadKubeConfig } from '../kube/kubeconfig.ts';
import { LiveFeed } from '../kube/live-feed.ts';
import { setPoolLabel } from '../kube/node-pools.ts';
import { watchedResources } from '../kube/observations.ts';
import { podHttpGet } from '../kube/pod-http.ts';
import { parseProbeUrl } from '../kube/url-probe.ts';
import { parseWriteProbeTarget, type WriteProbeTarget } from '../kube/write-probe.ts';
import { ClusterView } from '../observe/cluster-view.ts';
import { componentTargets } from '../observe/component-targets.ts';
import { type Clock, realClock } from '../time/clock.ts';
import { OffsetClock } from '../time/offset-clock.ts';
import { usageError } from './errors.ts';

export interface LiveFlags {
  kubeconfig?: string;
  context?: string;
  timeout: string;
  /** The label this cluster's nodes carry to name their pool, read before the providers'. */
  poolLabel?: string;
  /** Public URLs to probe from here every 10 s (`--probe-url`, repeatable). */
  probeUrl?: string[];
  /** Dry-run creates besides the ConfigMap in our namespace (`--write-probe KIND/NAMESPACE`), or `none`. */
  writeProbe?: string[];
}

export interface LiveSession {
  loaded: LoadedKubeConfig;
  view: ClusterView;
  feed: LiveFeed;
  /** Resources never listed within the timeout. */
  unsynced: string[];
  /** The cluster's time: ours corrected by the API server's clock (its Date headers). */
  clock: Clock;
}

/** The connection options every live command takes, kubectl-style. */
export function clusterOptions(cmd: Command): Command {
  return cmd
    .option(
      '--kubeconfig <file>',
      'kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)',
    )
    .option('--context <name>', 'kubeconfig context to use (default: its current-context)')
    .option('--timeout <seconds>', 'how long to wait for the first full sync', '20')
    .option(
      '--pool-label <key>',
      "the node label that names a node's pool, when it is none of the providers' (EKS, GKE, AKS, DOKS, eksctl, Karpenter, kops, node-pool), e.g. cluster.x-k8s.io/deployment-name",
    );
}

/** `--probe-url`: public endpoints (the load balancer, ingress hosts) to GET from outside. */
export function probeUrlOption(cmd: Command): Command {
  return cmd.option(
    '--probe-url <url>',
    'a public URL to GET every 10 s from here, as users reach it (an ingress host, a status endpoint); repeatable. The addresses of LoadBalancer Services are found and probed on their own, once they answer from here',
    (v: string, prev: string[]) => [...prev, v],
    [] as string[],
  );
}

/** `--write-probe`: the write path, tried with server-side dry-run creates. */
export function writeProbeOption(cmd: Command): Command {
  return cmd.option(
    '--write-probe <kind/namespace>',
    'also try a server-side dry-run create (nothing is stored) of this kind in this namespace every 30 s, so writes refused by an admission webhook or a quota, or stalled, show before a workload hits them (a dry run never writes to etcd, so the etcd NOSPACE alarm is not among them): configmap, ingress or deployment, e.g. ingress/shop; repeatable. A ConfigMap in kubetriage\'s own namespace is always tried (its role grants that create); other namespaces need `create` granted there. "none" tries no writes at all',
    (v: string, prev: string[]) => [...prev, v],
    [] as string[],
  );
}

/**
 * The dry-run creates to try: a ConfigMap in `ownNamespace` (the pod's, else the context's,
 * else `default`, as kubectl picks one), then each `--write-probe`; none for `none`.
 */
export function writeProbesOf(flags: { writeProbe?: string[] }, ownNamespace: string): WriteProbeTarget[] {
  const raw = flags.writeProbe ?? [];
  if (raw.includes('none')) return [];
  const targets: WriteProbeTarget[] = [{ kind: 'configmap', namespace: ownNamespace }];
  for (const r of raw) {
    let t: WriteProbeTarget;
    try {
      t = parseWriteProbeTarget(r);
    } catch (err) {
      throw usageError((err as Error).message);
    }
    if (!targets.some((x) => x.kind === t.kind && x.namespace === t.namespace)) targets.push(t);
  }
  return targets;
}

/** The `--probe-url` values, checked: absolute http(s) URLs. */
export function probeUrlsOf(flags: { probeUrl?: string[] }): string[] {
  return (flags.probeUrl ?? []).map((raw) => {
    try {
      return parseProbeUrl(raw).toString();
    } catch (err) {
      throw usageError((err as Error).message);
    }
  });
}

export function timeoutSeconds(raw: string): number {
  const s = Number(raw);
  if (!Number.isFinite(s) || s <= 0)
    throw usageError(`--timeout must be a positive number of seconds (got "${raw}")`, 'e.g. --timeout 30');
  return s;
}

/** Every probe so far failed before any HTTP answer, in a way that will not pass by waiting. */
function refusedOutright(view: ClusterView): boolean {
  const probes = view.probes.toArray();
  return (
    probes.length > 0 &&
    probes.every((p) => !p.ok && !p.status && lastingFailure.has(transportErrorKind(p.error ?? '') ?? ''))
  );
}

const lastingFailure = new Set(['refused', 'dns', 'tls']);

export async function startLiveSession(
  flags: LiveFlags,
  o: {
    components?: boolean;
    stats?: FeedStats;
    /** Where a scrape kubetriage's role does not grant is told, once (default: stderr). */
    warn?: (message: string) => void;
  } = {},
): Promise<LiveSession> {
  const timeoutS = timeoutSeconds(flags.timeout);
  const probeUrls = probeUrlsOf(flags);
  try {
    setPoolLabel(flags.poolLabel);
  } catch (err) {
    throw usageError(`--pool-label: ${(err as Error).message}`);
  }
  const loaded = loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context });
  const ownNamespace = loaded.kc.getContextObject(loaded.context)?.namespace || 'default';
  const writeProbes = writeProbesOf(flags, ownNamespace);
  const client = new ApiClient(loaded.kc, { now: () => realClock.now(), requestTimeoutMs: 10_000 });
  const view = new ClusterView();
  const clock = new OffsetClock(realClock, () => client.serverOffsetMs);
  const feed = new LiveFeed({
    client,
    clock,
    sink: (obs) => view.apply(obs),
    reflector: { backoff: { maxMs: 5_000 } },
    stats: o.stats,
    warn: o.warn ?? ((m) => process.stderr.write(`kubetriage: ${m}\n`)),
    // In the cluster, pod IPs are reachable: ingress metrics need no pods/proxy grant.
    ...(loaded.source === 'in-cluster' ? { podGet: podHttpGet(clock) } : {}),
    probeUrls,
    writeProbes,
    ...(o.components ? { targets: () => componentTargets(view) } : {}),
  });
  const tty = process.stderr.isTTY;
  feed.start();
  await feed.probeNow();
  // A refusal, a name that does not resolve or a certificate that is not trusted will not
  // change in the next 20 s: take a second round now (two in a row is what api-health
  // calls a streak) and report at once instead of waiting out the sync timeout.
  const failsFast = refusedOutright(view);
  if (failsFast) await feed.probeNow();
  const deadline = realClock.now() + timeoutS * 1000;
  // A resource the role may not list (403) never syncs: waiting for it would only time out.
  const settled = () => watchedResources.every((r) => view.synced(r) || view.forbidden(r));
  while (!failsFast && !settled() && realClock.now() < deadline) {
    if (tty) {
      const done = watchedResources.filter((r) => view.synced(r)).length;
      process.stderr.write(`\rsyncing ${done}/${watchedResources.length} resources from ${loaded.server} …`);
    }
    await realClock.sleep(100);
  }
  if (tty) process.stderr.write('\r\u001b[K');
  return { loaded, view, feed, unsynced: watchedResources.filter((r) => !view.synced(r)), clock };
}
