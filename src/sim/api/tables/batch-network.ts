/**
 * Tables for Jobs, CronJobs and Ingresses (after printers.go printJob, printCronJob,
 * printIngress), so `kubectl get jobs,cronjobs,ingress` prints the real columns.
 */
import type { KubeObject } from '../k8s-types.ts';
import { humanDuration } from './duration.ts';
import {
  age,
  ageColumn,
  column,
  int,
  list,
  nameColumn,
  type PrintedRow,
  type Printer,
  parseTime,
  rec,
  recs,
  since,
  str,
} from './format.ts';

export const jobPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', 'The completed job pods out of the desired ones.'),
    column('Duration', 'string', 'Time required to complete the job.'),
    ageColumn(),
  ],
  print: (job: KubeObject, nowMs: number): PrintedRow => {
    const spec = rec(job.spec);
    const status = rec(job.status);
    const conditions = recs(status.conditions);
    const has = (t: string) => conditions.some((c) => c.type === t && c.status === 'True');
    const state = has('Complete')
      ? 'Complete'
      : has('Failed')
        ? 'Failed'
        : has('Suspended')
          ? 'Suspended'
          : 'Running';
    const start = parseTime(status.startTime);
    const end = parseTime(status.completionTime);
    const duration = start === undefined ? '' : humanDuration((end ?? nowMs) - start);
    return {
      cells: [
        str(job.metadata.name),
        state,
        `${int(status.succeeded)}/${int(spec.completions ?? 1)}`,
        duration,
        age(job, nowMs),
      ],
    };
  },
};

export const cronJobPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Schedule', 'string', 'The schedule in Cron format.'),
    column('Timezone', 'string', 'The time zone name for the given schedule.'),
    column('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions.'),
    column('Active', 'integer', 'A list of pointers to currently running jobs.'),
    column(
      'Last Schedule',
      'string',
      'Information when was the last time the job was successfully scheduled.',
    ),
    ageColumn(),
  ],
  print: (cj: KubeObject, nowMs: number): PrintedRow => {
    const spec = rec(cj.spec);
    const status = rec(cj.status);
    return {
      cells: [
        str(cj.metadata.name),
        str(spec.schedule),
        str(spec.timeZone) || '<none>',
        spec.suspend === true ? 'True' : 'False',
        list(status.active).length,
        status.lastScheduleTime ? since(status.lastScheduleTime, nowMs) : '<none>',
        age(cj, nowMs),
      ],
    };
  },
};

export const ingressPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Class', 'string', 'The name of the IngressClass resource.'),
    column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'string', 'Ports of TLS configurations that open'),
    ageColumn(),
  ],
  print: (ing: KubeObject, nowMs: number): PrintedRow => {
    const spec = rec(ing.spec);
    const hosts = recs(spec.rules).map((r) => str(r.host) || '*');
    const addresses = recs(rec(rec(ing.status).loadBalancer).ingress).map(
      (i) => str(i.ip) || str(i.hostname),
    );
    return {
      cells: [
        str(ing.metadata.name),
        str(spec.ingressClassName) || '<none>',
        hosts.length ? hosts.join(',') : '*',
        addresses.join(','),
        list(spec.tls).length ? '80, 443' : '80',
        age(ing, nowMs),
      ],
    };
  },
};
