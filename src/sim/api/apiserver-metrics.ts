/**
 * kube-apiserver's own `/metrics`, in the Prometheus text exposition format, with the names,
 * label sets and buckets of a v1.32 server (apiserver `pkg/endpoints/metrics/metrics.go`,
 * `pkg/storage/etcd3/metrics/metrics.go`, `pkg/util/flowcontrol/metrics/metrics.go`,
 * `pkg/admission/metrics/metrics.go`). Labels print sorted by name, as client_golang does.
 *
 * Recording is O(labels) per sample: one map lookup per series. Series whose values follow
 * from a model rather than from served requests (the cluster's background load) are added
 * at render time by the collectors registered here.
 */

/** apiserver_request_duration_seconds and etcd_request_duration_seconds buckets. */
export const requestBuckets = [
  0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60,
];
/** apiserver_admission_webhook_admission_duration_seconds buckets. */
export const webhookBuckets = [0.005, 0.025, 0.1, 0.5, 1.0, 2.5, 10, 25];
/** apiserver_flowcontrol_request_wait_duration_seconds buckets. */
export const waitBuckets = [0, 0.005, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30];

type Labels = Record<string, string>;

interface Family {
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  buckets?: number[];
  series: Map<string, { labels: Labels; value: number; counts?: number[]; sum?: number }>;
}

export const metricHelp: Record<string, [string, Family['type'], number[]?]> = {
  apiserver_request_total: [
    'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
    'counter',
  ],
  apiserver_request_duration_seconds: [
    'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
    'histogram',
    requestBuckets,
  ],
  apiserver_current_inflight_requests: [
    'Maximal number of currently used inflight request limit of this apiserver per request kind in last second.',
    'gauge',
  ],
  apiserver_flowcontrol_rejected_requests_total: [
    'Number of requests rejected by API Priority and Fairness subsystem',
    'counter',
  ],
  apiserver_flowcontrol_dispatched_requests_total: [
    'Number of requests executed by API Priority and Fairness subsystem',
    'counter',
  ],
  apiserver_flowcontrol_current_inqueue_requests: [
    'Number of requests currently pending in queues of the API Priority and Fairness subsystem',
    'gauge',
  ],
  apiserver_flowcontrol_current_executing_seats: [
    'Concurrency (number of seats) occupied by the currently executing (initial stage for a WATCH, any stage otherwise) requests in the API Priority and Fairness subsystem',
    'gauge',
  ],
  apiserver_flowcontrol_nominal_limit_seats: [
    'Nominal number of execution seats configured for each priority level',
    'gauge',
  ],
  apiserver_flowcontrol_request_wait_duration_seconds: [
    'Length of time a request spent waiting in its queue',
    'histogram',
    waitBuckets,
  ],
  etcd_request_duration_seconds: [
    'Etcd request latency in seconds for each operation and object type.',
    'histogram',
    requestBuckets,
  ],
  etcd_requests_total: ['Etcd request counts for each operation and object type.', 'counter'],
  apiserver_admission_webhook_admission_duration_seconds: [
    'Admission webhook latency histogram in seconds, identified by name and broken out for each operation and API resource and type (validate or admit).',
    'histogram',
    webhookBuckets,
  ],
  apiserver_admission_webhook_request_total: [
    'Admission webhook request total, identified by name and broken out for each admission type (validating or mutating) and operation. Additional labels specify whether the request was rejected or not and an HTTP status code. Codes greater than 600 are truncated to 600, to keep the metrics cardinality bounded.',
    'counter',
  ],
  apiserver_admission_webhook_rejection_count: [
    'Admission webhook rejection count, identified by name and broken out for each admission type (validating or admit) and operation. Additional labels specify an error type (calling_webhook_error or apiserver_internal_error if an error occurred; no_error otherwise) and optionally a non-zero rejection code if the webhook rejects the request with an HTTP status code (honored by the apiserver when the code is greater or equal to 400). Codes greater than 600 are truncated to 600, to keep the metrics cardinality bounded.',
    'counter',
  ],
  apiserver_admission_webhook_fail_open_count: [
    'Admission webhook fail open count, identified by name and broken out for each admission type (validating or admit).',
    'counter',
  ],
};

/** Stability levels printed in HELP (component-base metrics); ALPHA when not listed. */
const stability: Record<string, string> = {
  apiserver_request_total: 'STABLE',
  apiserver_request_duration_seconds: 'STABLE',
  apiserver_current_inflight_requests: 'STABLE',
  apiserver_admission_webhook_admission_duration_seconds: 'STABLE',
  apiserver_flowcontrol_rejected_requests_total: 'BETA',
  apiserver_flowcontrol_dispatched_requests_total: 'BETA',
  apiserver_flowcontrol_current_inqueue_requests: 'BETA',
  apiserver_flowcontrol_current_executing_seats: 'BETA',
  apiserver_flowcontrol_nominal_limit_seats: 'BETA',
  apiserver_flowcontrol_request_wait_duration_seconds: 'BETA',
};

function key(labels: Labels): string {
  let k = '';
  for (const name of Object.keys(labels).sort()) k += `${name}=${labels[name]}\u0000`;
  return k;
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((n) => `${n}="${escapeLabel(labels[n])}"`);
  if (extra) pairs.push(`${extra[0]}="${extra[1]}"`);
  return pairs.length ? `{${pairs.join(',')}}` : '';
}

function escapeLabel(v: string): string {
  return v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function num(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(12)));
}

export class ApiServerMetrics {
  private readonly families = new Map<string, Family>();
  private readonly collectors: ((m: ApiServerMetrics) => void)[] = [];

  private family(name: string): Family {
    let f = this.families.get(name);
    if (!f) {
      const [help, type, buckets] = metricHelp[name] ?? [name, 'counter'];
      f = { help, type, buckets, series: new Map() };
      this.families.set(name, f);
    }
    return f;
  }

  inc(name: string, labels: Labels, by = 1): void {
    const f = this.family(name);
    const k = key(labels);
    const s = f.series.get(k);
    if (s) s.value += by;
    else f.series.set(k, { labels, value: by });
  }

  set(name: string, labels: Labels, value: number): void {
    const f = this.family(name);
    const k = key(labels);
    const s = f.series.get(k);
    if (s) s.value = value;
    else f.series.set(k, { labels, value });
  }

  /** Adds `count` observations of `seconds` to a histogram. */
  observe(name: string, labels: Labels, seconds: number, count = 1): void {
    const f = this.family(name);
    const buckets = f.buckets ?? requestBuckets;
    const k = key(labels);
    let s = f.series.get(k);
    if (!s) {
      s = { labels, value: 0, counts: new Array(buckets.length).fill(0), sum: 0 };
      f.series.set(k, s);
    }
    s.value += count;
    s.sum = (s.sum ?? 0) + seconds * count;
    for (let i = 0; i < buckets.length; i++) if (seconds <= buckets[i]) s.counts![i] += count;
  }

  /** A model that adds its own samples just before each render. */
  collect(collector: (m: ApiServerMetrics) => void): void {
    this.collectors.push(collector);
  }

  /** One series' value, for tests and models (0 when absent). */
  value(name: string, labels: Labels): number {
    return this.families.get(name)?.series.get(key(labels))?.value ?? 0;
  }

  render(): string {
    for (const c of this.collectors) c(this);
    const out: string[] = [];
    for (const name of [...this.families.keys()].sort()) {
      const f = this.families.get(name)!;
      if (f.series.size === 0) continue;
      out.push(`# HELP ${name} [${stability[name] ?? 'ALPHA'}] ${f.help}`, `# TYPE ${name} ${f.type}`);
      const series = [...f.series.values()].sort((a, b) => (key(a.labels) < key(b.labels) ? -1 : 1));
      for (const s of series) {
        if (f.type !== 'histogram') {
          out.push(`${name}${labelText(s.labels)} ${num(s.value)}`);
          continue;
        }
        const buckets = f.buckets ?? requestBuckets;
        for (let i = 0; i < buckets.length; i++)
          out.push(`${name}_bucket${labelText(s.labels, ['le', num(buckets[i])])} ${s.counts![i]}`);
        out.push(`${name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.value}`);
        out.push(`${name}_sum${labelText(s.labels)} ${num(s.sum ?? 0)}`);
        out.push(`${name}_count${labelText(s.labels)} ${s.value}`);
      }
    }
    return `${out.join('\n')}\n`;
  }
}
