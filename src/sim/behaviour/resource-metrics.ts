/**
 * The kubelet's `/metrics/resource`: node, pod and container CPU time and working sets in
 * Prometheus text, as metrics-server and Prometheus scrape them (through the API server's
 * node proxy too). The numbers are the stats summary's, the same the eviction manager
 * observes, so the two never disagree.
 *
 * Names, help, labels and stability as the kubelet declares them
 * (pkg/kubelet/metrics/collectors/resource_metrics.go): GA since v1.29
 * (kubernetes/kubernetes#116897), when `scrape_error` was renamed `resource_scrape_error`
 * and deprecated, so that v1.30+ hides it (component-base/metrics desc.go shouldHide;
 * kubernetes/kubernetes#122095). Older kubelets mark every family [ALPHA] and serve only
 * `scrape_error`. Usage samples carry the time they were taken, as NewLazyMetricWithTimestamp
 * writes them; values print as Go's strconv 'g' format does (expfmt writeFloat).
 */
import type { Clock } from '../../time/clock.ts';
import type { PodStats } from './container-runtime.ts';
import { nodeSystemCpuCores } from './cpu.ts';
import { nodeWorkingSetBytes } from './memory.ts';

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  /** Its stability level when the kubelet is v1.29 or newer; older ones mark all ALPHA. */
  level: 'STABLE' | 'ALPHA';
  samples: { labels: [string, string][]; value: number; atMs?: number }[];
}

export interface ResourceMetricsOptions {
  clock: Clock;
  /** The stats summary at a moment (the container runtime's). */
  summary: (nowMs: number) => PodStats[];
  /** As the node reports it in nodeInfo (`v1.29.0-eks-5e0fdde`). */
  kubeletVersion: () => string | undefined;
}

export class ResourceMetrics {
  private readonly o: ResourceMetricsOptions;
  /** node_cpu_usage_seconds_total so far, and when it was last brought up to date. */
  private nodeCpuSeconds = 0;
  private nodeCpuAtMs: number;

  constructor(o: ResourceMetricsOptions) {
    this.o = o;
    this.nodeCpuAtMs = o.clock.now();
  }

  /** The endpoint's body now. */
  render(): string {
    const now = this.o.clock.now();
    const pods = this.o.summary(now);
    // The node's counter only grows: its daemons' and containers' rates since the last look.
    const rate =
      nodeSystemCpuCores + pods.reduce((s, p) => s + p.containers.reduce((t, c) => t + c.cpuCores, 0), 0);
    this.nodeCpuSeconds += (rate * (now - this.nodeCpuAtMs)) / 1000;
    this.nodeCpuAtMs = now;
    const minor = Number(/^v?\d+\.(\d+)/.exec(this.o.kubeletVersion() ?? '')?.[1] ?? Number.NaN);
    return exposition(resourceFamilies(pods, this.nodeCpuSeconds, now, minor), minor >= 29);
  }
}

function resourceFamilies(pods: PodStats[], nodeCpuSeconds: number, nowMs: number, minor: number): Family[] {
  const containerLabels = (p: PodStats, c: PodStats['containers'][number]): [string, string][] => [
    ['container', c.name],
    ['namespace', p.namespace],
    ['pod', p.name],
  ];
  const podLabels = (p: PodStats): [string, string][] => [
    ['namespace', p.namespace],
    ['pod', p.name],
  ];
  const perContainer = (value: (c: PodStats['containers'][number]) => number | undefined, stamped = true) =>
    pods.flatMap((p) =>
      p.containers.flatMap((c) => {
        const v = value(c);
        return v === undefined
          ? []
          : [{ labels: containerLabels(p, c), value: v, atMs: stamped ? nowMs : undefined }];
      }),
    );
  const sum = (p: PodStats, f: (c: PodStats['containers'][number]) => number) =>
    p.containers.reduce((s, c) => s + f(c), 0);
  const scrapeError = 'if there was an error while getting container metrics, 0 otherwise';
  const families: Family[] = [
    {
      name: 'container_cpu_usage_seconds_total',
      help: 'Cumulative cpu time consumed by the container in core-seconds',
      type: 'counter',
      level: 'STABLE',
      samples: perContainer((c) => c.cpuCoreSeconds),
    },
    {
      name: 'container_memory_working_set_bytes',
      help: 'Current working set of the container in bytes',
      type: 'gauge',
      level: 'STABLE',
      samples: perContainer((c) => c.workingSetBytes),
    },
    {
      name: 'container_start_time_seconds',
      help: 'Start time of the container since unix epoch in seconds',
      type: 'gauge',
      level: 'STABLE',
      samples: perContainer((c) => c.startedAtMs / 1000, false),
    },
    {
      name: 'node_cpu_usage_seconds_total',
      help: 'Cumulative cpu time consumed by the node in core-seconds',
      type: 'counter',
      level: 'STABLE',
      samples: [{ labels: [], value: nodeCpuSeconds, atMs: nowMs }],
    },
    {
      name: 'node_memory_working_set_bytes',
      help: 'Current working set of the node in bytes',
      type: 'gauge',
      level: 'STABLE',
      samples: [{ labels: [], value: nodeWorkingSetBytes(pods), atMs: nowMs }],
    },
    {
      name: 'pod_cpu_usage_seconds_total',
      help: 'Cumulative cpu time consumed by the pod in core-seconds',
      type: 'counter',
      level: 'STABLE',
      samples: pods.map((p) => ({
        labels: podLabels(p),
        value: sum(p, (c) => c.cpuCoreSeconds),
        atMs: nowMs,
      })),
    },
    {
      name: 'pod_memory_working_set_bytes',
      help: 'Current working set of the pod in bytes',
      type: 'gauge',
      level: 'STABLE',
      samples: pods.map((p) => ({
        labels: podLabels(p),
        value: sum(p, (c) => c.workingSetBytes ?? 0),
        atMs: nowMs,
      })),
    },
  ];
  if (minor >= 29)
    families.push({
      name: 'resource_scrape_error',
      help: `1 ${scrapeError}`,
      type: 'gauge',
      level: 'STABLE',
      samples: [{ labels: [], value: 0 }],
    });
  // Deprecated in 1.29.0, hidden from the next minor on.
  if (!(minor >= 30))
    families.push({
      name: 'scrape_error',
      help: minor === 29 ? `(Deprecated since 1.29.0) 1 ${scrapeError}` : `1 ${scrapeError}`,
      type: 'gauge',
      level: 'ALPHA',
      samples: [{ labels: [], value: 0 }],
    });
  return families;
}

/** Prometheus text format 0.0.4 as client_golang writes it: families and samples sorted, empty families left out. */
function exposition(families: Family[], graduated: boolean): string {
  const lines: string[] = [];
  for (const f of [...families].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (f.samples.length === 0) continue;
    lines.push(`# HELP ${f.name} [${graduated ? f.level : 'ALPHA'}] ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    const key = (s: Family['samples'][number]) => s.labels.map(([, v]) => v).join('\u0000');
    for (const s of [...f.samples].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))) {
      const labels = s.labels.length
        ? `{${s.labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`
        : '';
      lines.push(
        `${f.name}${labels} ${goFloat(s.value)}${s.atMs === undefined ? '' : ` ${Math.round(s.atMs)}`}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * strconv.FormatFloat(f, 'g', -1, 64): the shortest digits that read back the same, in
 * exponent form when the exponent is below -4 or at least 6 (`8.577024e+06`, `1e-05`).
 */
export function goFloat(n: number): string {
  if (n === 0) return '0';
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
  const [mantissa, exp] = n.toExponential().split('e');
  const e = Number(exp);
  if (e >= -4 && e < 6) return String(n);
  const sign = e < 0 ? '-' : '+';
  return `${mantissa}e${sign}${String(Math.abs(e)).padStart(2, '0')}`;
}
