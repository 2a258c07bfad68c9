/**
 * The cluster's own writers besides its core controllers: a CronJob creating a Job on its
 * schedule, a controller updating a ConfigMap it owns, an ingress controller updating its
 * Ingress. Each write goes the way every write goes: it needs the control plane able to
 * write, and it passes admission (webhooks). When one fails, the writer says so where its
 * real counterpart does: the CronJob controller's `FailedCreate` event (`Error creating
 * job: …`, kube-controller-manager cronjob_controllerv2.go), or the controller's own log
 * in client-go's klog form in its pods' logs. So a fault that only affects writes of one
 * kind (a webhook on Jobs, a full etcd) shows as exactly those writes failing.
 */
import { type Clock, rfc3339, type Timer } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import type { PodLogBook } from '../api/pod-log-book.ts';
import { resourceForKind } from '../api/resources.ts';
import { x509Time } from '../api/x509.ts';
import { recordEvent } from '../behaviour/events.ts';
import { klogHeader } from '../behaviour/kube-proxy.ts';
import type { ControlPlane } from '../cluster/control-plane.ts';
import type { Writer } from '../scenario/control-plane-shape.ts';
import { parseDuration } from '../scenario/time-spec.ts';
import type { ObjectStore } from '../store/object-store.ts';

const types = {
  ConfigMap: resourceForKind('ConfigMap')!,
  Ingress: resourceForKind('Ingress', 'networking.k8s.io')!,
  Job: resourceForKind('Job', 'batch')!,
  CronJob: resourceForKind('CronJob', 'batch')!,
};
const podType = resourceForKind('Pod')!;

/** Jobs a CronJob keeps (successfulJobsHistoryLimit's default). */
const jobHistory = 3;
/** How long one of its Jobs runs. */
const jobRunsMs = 20_000;

export class Writers {
  private readonly o: {
    store: ObjectStore;
    clock: Clock;
    logs: PodLogBook;
    cp: ControlPlane;
    servingNotAfterMs: () => number | undefined;
  };
  private readonly timers: Timer[] = [];
  private stopped = false;

  constructor(o: Writers['o'] & { writers: readonly Writer[] }) {
    this.o = o;
    for (const w of o.writers) this.start(w);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.splice(0)) t.cancel();
  }

  private start(w: Writer): void {
    const { store, clock } = this.o;
    if (w.kind === 'Job') {
      const every = Math.max(1, Math.round((parseDuration(w.every) ?? 300_000) / 60_000));
      store.create(types.CronJob, {
        metadata: { name: w.name, namespace: w.namespace },
        spec: {
          schedule: `*/${every} * * * *`,
          concurrencyPolicy: 'Allow',
          successfulJobsHistoryLimit: jobHistory,
          failedJobsHistoryLimit: 1,
          suspend: false,
          jobTemplate: {
            spec: {
              template: {
                spec: { containers: [{ name: w.name, image: w.image }], restartPolicy: 'OnFailure' },
              },
            },
          },
        },
        status: {},
      } as KubeObject);
    } else if (!store.find(types[w.kind], w.namespace, w.object ?? w.name)) {
      store.create(types[w.kind], initial(w));
    }
    const everyMs = parseDuration(w.every) ?? 300_000;
    const tick = (): void => {
      if (this.stopped) return;
      this.write(w);
      this.timers.push(clock.after(everyMs, tick));
    };
    this.timers.push(clock.after(everyMs, tick));
  }

  /** Why the write is refused now, in the words the writer's client gets; undefined when it lands. */
  private refusal(w: Writer, operation: 'CREATE' | 'UPDATE'): string | undefined {
    const { cp, store, clock } = this.o;
    if (cp.servingCertificateExpired()) {
      const notAfter = this.o.servingNotAfterMs() ?? clock.now();
      return `Post "https://10.96.0.1:443/apis": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time ${x509Time(clock.now())} is after ${x509Time(notAfter)}`;
    }
    if (cp.unusable()) return 'etcdserver: request timed out';
    if (cp.noSpace()) return 'etcdserver: mvcc: database space exceeded';
    const r = types[w.kind];
    return store.admission?.reviewNow({
      operation,
      group: r.group,
      version: r.version,
      resource: r.plural,
      namespace: w.namespace,
      namespaced: true,
      name: w.kind === 'Job' ? undefined : (w.object ?? w.name),
      labels: { app: w.name },
    })?.message;
  }

  private write(w: Writer): void {
    const { store, clock } = this.o;
    const now = clock.now();
    if (w.kind === 'Job') {
      const name = `${w.name}-${Math.floor(now / 60_000)}`;
      const refused = this.refusal(w, 'CREATE');
      const cron = store.find(types.CronJob, w.namespace, w.name);
      if (refused) {
        if (cron)
          recordEvent(store, clock, {
            involved: {
              kind: 'CronJob',
              name: w.name,
              namespace: w.namespace,
              uid: cron.metadata.uid ?? '',
              apiVersion: 'batch/v1',
            },
            type: 'Warning',
            reason: 'FailedCreate',
            message: `Error creating job: ${refused}`,
            source: { component: 'cronjob-controller' },
          });
        return;
      }
      const job = store.create(types.Job, {
        metadata: {
          name,
          namespace: w.namespace,
          labels: { app: w.name },
          ...(cron
            ? {
                ownerReferences: [
                  {
                    apiVersion: 'batch/v1',
                    kind: 'CronJob',
                    name: w.name,
                    uid: cron.metadata.uid,
                    controller: true,
                    blockOwnerDeletion: true,
                  },
                ],
              }
            : {}),
        },
        spec: {
          backoffLimit: 6,
          completions: 1,
          parallelism: 1,
          template: { spec: { containers: [{ name: w.name, image: w.image }], restartPolicy: 'OnFailure' } },
        },
        status: { active: 1, startTime: rfc3339(now) },
      } as KubeObject);
      if (cron)
        store.update(
          types.CronJob,
          { ...cron, status: { ...(cron.status as object), lastScheduleTime: rfc3339(now) } },
          { subresource: 'status' },
        );
      this.timers.push(clock.after(jobRunsMs, () => this.complete(w, job.metadata.name ?? name)));
      return;
    }
    const current = store.find(types[w.kind], w.namespace, w.object ?? w.name);
    const refused = this.refusal(w, current ? 'UPDATE' : 'CREATE');
    if (refused) {
      this.logFailure(w, refused, now);
      return;
    }
    const stamped = { ...(current ?? initial(w)) } as KubeObject;
    stamped.metadata = {
      ...stamped.metadata,
      annotations: { ...stamped.metadata.annotations, [`${w.name}/last-sync`]: rfc3339(now) },
    };
    if (current) store.update(types[w.kind], stamped);
    else store.create(types[w.kind], stamped);
  }

  /** The Job controller's part, reduced to its outcome: the Job completes, old ones go. */
  private complete(w: Writer, name: string): void {
    const { store, clock } = this.o;
    const job = store.find(types.Job, w.namespace, name);
    if (!job) return;
    const started = (job.status as { startTime?: string } | undefined)?.startTime;
    const t = rfc3339(clock.now());
    store.update(
      types.Job,
      {
        ...job,
        status: {
          startTime: started,
          completionTime: t,
          succeeded: 1,
          ready: 0,
          terminating: 0,
          uncountedTerminatedPods: {},
          conditions: [
            { type: 'SuccessCriteriaMet', status: 'True', lastProbeTime: t, lastTransitionTime: t },
            { type: 'Complete', status: 'True', lastProbeTime: t, lastTransitionTime: t },
          ],
        },
      },
      { subresource: 'status' },
    );
    const jobs = store
      .list(types.Job, { namespace: w.namespace, filter: (e) => e.labels?.app === w.name })
      .entries.map((e) => e.name)
      .sort();
    for (const old of jobs.slice(0, Math.max(0, jobs.length - jobHistory)))
      store.delete(types.Job, w.namespace, old);
  }

  /** A controller logs a failed write in client-go's klog form, in its pods' logs. */
  private logFailure(w: Writer, err: string, atMs: number): void {
    if (!w.logsTo) return;
    const [ns, workload] = w.logsTo.split('/');
    const target = `${w.namespace}/${w.object ?? w.name}`;
    const line = `${klogHeader('E', atMs, 'controller.go:316')} "Failed to update ${w.kind}" err="${err.replaceAll('"', '\\"')}" ${w.kind.toLowerCase()}="${target}"`;
    const pods = this.o.store.list(podType, {
      namespace: ns,
      filter: (e) => e.labels?.['app.kubernetes.io/name'] === workload && !e.terminating,
    }).entries;
    for (const p of pods) {
      const spec = (JSON.parse(p.json) as { spec?: { containers?: { name: string }[] } }).spec;
      const container = spec?.containers?.[0]?.name;
      if (container) this.o.logs.append(ns, p.name, container, line, atMs);
    }
  }
}

function initial(w: Writer): KubeObject {
  const metadata = { name: w.object ?? w.name, namespace: w.namespace, labels: { app: w.name } };
  if (w.kind === 'ConfigMap') return { metadata, data: { updated: 'never' } } as KubeObject;
  return {
    metadata,
    spec: {
      ingressClassName: 'nginx',
      rules: [
        {
          host: `${w.object ?? w.name}.example.com`,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: w.object ?? w.name, port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  } as KubeObject;
}
