/**
 * IptablesRestoreFailing: kube-proxy's own account of its iptables-restore runs, from its
 * metrics (`127.0.0.1:10249`) and the error text from its log under
 * `/var/log/pods/kube-system_kube-proxy-*`. `True` as soon as the failure counter grows
 * between two samples (CircleCI's first handful of failures, a day early, is the warning);
 * `False` after 10 min without an increase and a successful sync since the last failure.
 */
import { rfc3339 } from '../../time/clock.ts';
import { goDuration } from '../../time/go-duration.ts';
import { type Check, CheckNotRun, healthy, problem } from '../check.ts';
import type { NodeHost } from '../host.ts';
import { type HttpGet, httpGet } from '../http-get.ts';

const quietMs = 10 * 60_000;
const failuresMetric = 'kubeproxy_sync_proxy_rules_iptables_restore_failures_total';
const lastSyncMetric = 'kubeproxy_sync_proxy_rules_last_timestamp_seconds';

export interface IptablesRestoreOptions {
  host: NodeHost;
  /** kube-proxy's metrics URL (`http://127.0.0.1:10249/metrics`). */
  metricsUrl: string;
  /** How the metrics are fetched; undici unless the simulator passes its machine's kube-proxy. */
  get?: HttpGet;
}

/** A sample's value from Prometheus text (no labels on these two metrics). */
export function metricValue(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+(\\S+)`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** The `err="…"` of the newest "Failed to execute iptables-restore" line of kube-proxy's logs. */
export async function newestRestoreError(host: NodeHost): Promise<string | undefined> {
  let newest: { time: string; err: string } | undefined;
  for (const pod of await host.list('/var/log/pods')) {
    if (!pod.startsWith('kube-system_kube-proxy-')) continue;
    for (const file of await host.list(`/var/log/pods/${pod}/kube-proxy`)) {
      const text = await host.readText(`/var/log/pods/${pod}/kube-proxy/${file}`);
      for (const line of text?.split('\n') ?? []) {
        if (!line.includes('Failed to execute iptables-restore')) continue;
        const err = /\berr="((?:[^"\\]|\\.)*)"/.exec(line);
        const time = line.slice(0, 35); // CRI log lines start with an RFC 3339 time
        if (err && (!newest || time >= newest.time))
          newest = { time, err: JSON.parse(`"${err[1]}"`) as string };
      }
    }
  }
  return newest?.err;
}

export function iptablesRestoreCheck(o: IptablesRestoreOptions): Check {
  let lastTotal: number | undefined;
  let increases: { atMs: number; n: number }[] = [];
  let firstMs: number | undefined;
  let lastMs: number | undefined;
  return {
    type: 'IptablesRestoreFailing',
    kind: 'host',
    intervalMs: 30_000,
    timeoutMs: 3_000,
    async run({ startedMs, signal }) {
      let text: string;
      try {
        text = (await (o.get ?? httpGet)(o.metricsUrl, { signal })).body;
      } catch (err) {
        throw new CheckNotRun(`kube-proxy metrics at ${o.metricsUrl}: ${(err as Error).message}`);
      }
      const total = metricValue(text, failuresMetric);
      if (total === undefined) throw new CheckNotRun(`kube-proxy metrics have no ${failuresMetric}`);
      const lastSyncS = metricValue(text, lastSyncMetric);
      if (lastTotal === undefined) {
        lastTotal = total;
        // An increase needs two samples; until then the condition as the agent found it stands.
        throw new CheckNotRun('no baseline sample yet');
      }
      if (total !== lastTotal) {
        // A counter that dropped means kube-proxy restarted: the new value is the increase.
        const n = total > lastTotal ? total - lastTotal : total;
        if (n > 0) {
          increases.push({ atMs: startedMs, n });
          firstMs ??= startedMs;
          lastMs = startedMs;
        }
      }
      lastTotal = total;
      increases = increases.filter((i) => startedMs - i.atMs < quietMs);
      const lastSyncMs = lastSyncS !== undefined ? lastSyncS * 1000 : undefined;
      const failing =
        lastMs !== undefined &&
        (startedMs - lastMs < quietMs || lastSyncMs === undefined || lastSyncMs <= lastMs);
      if (!failing) {
        firstMs = undefined;
        lastMs = undefined;
        return healthy(
          'IptablesRestoreSucceeding',
          `no kube-proxy iptables-restore failures in the last ${goDuration(quietMs)}`,
          [['failuresTotal', total]],
        );
      }
      const error = await newestRestoreError(o.host);
      const lock = error?.includes('xtables lock') ?? false;
      return problem(
        lock ? 'XtablesLockContention' : 'IptablesRestoreFailed',
        lock
          ? 'kube-proxy iptables-restore could not take the xtables lock'
          : 'kube-proxy iptables-restore is failing',
        [
          ['failures', increases.reduce((s, i) => s + i.n, 0)],
          ['window', goDuration(quietMs)],
          ['first', firstMs !== undefined ? rfc3339(firstMs) : undefined],
          ['last', lastMs !== undefined ? rfc3339(lastMs) : undefined],
          ['lastSuccessfulSync', lastSyncMs !== undefined ? rfc3339(lastSyncMs) : undefined],
          ['failuresTotal', total],
          ['error', error],
        ],
      );
    },
  };
}
