/**
 * Tables for the control-plane kinds (after printers.go printValidatingWebhook,
 * printMutatingWebhook, printFlowSchema, printPriorityLevelConfiguration), so `kubectl get
 * validatingwebhookconfigurations` and `kubectl get flowschemas` print the real columns.
 */
import type { KubeObject } from '../k8s-types.ts';
import {
  age,
  ageColumn,
  column,
  int,
  list,
  nameColumn,
  type PrintedRow,
  type Printer,
  rec,
  str,
} from './format.ts';

export const webhookConfigurationPrinter: Printer = {
  columns: [
    nameColumn(),
    column(
      'Webhooks',
      'integer',
      'Webhooks indicates the number of webhooks registered in this configuration',
    ),
    ageColumn(),
  ],
  print: (c: KubeObject, nowMs: number): PrintedRow => ({
    cells: [str(c.metadata.name), list(c.webhooks).length, age(c, nowMs)],
  }),
};

export const flowSchemaPrinter: Printer = {
  columns: [
    nameColumn(),
    column(
      'PriorityLevel',
      'string',
      'priorityLevelConfiguration is the name of the PriorityLevelConfiguration object',
    ),
    column(
      'MatchingPrecedence',
      'string',
      'matchingPrecedence is used to choose among the FlowSchemas that match a given request.',
    ),
    column(
      'DistinguisherMethod',
      'string',
      'distinguisherMethod defines how to compute the flow distinguisher for requests that match this schema.',
    ),
    ageColumn(),
    column('MissingPL', 'string', 'references a broken or non-existent PriorityLevelConfiguration', {
      priority: 1,
    }),
  ],
  print: (fs: KubeObject, nowMs: number): PrintedRow => {
    const spec = rec(fs.spec);
    const dangling = (list(rec(fs.status).conditions) as { type?: string; status?: string }[]).find(
      (c) => c.type === 'Dangling',
    );
    return {
      cells: [
        str(fs.metadata.name),
        str(rec(spec.priorityLevelConfiguration).name),
        String(int(spec.matchingPrecedence)),
        str(rec(spec.distinguisherMethod).type) || '<none>',
        age(fs, nowMs),
        dangling ? (dangling.status === 'True' ? 'True' : 'False') : '?',
      ],
    };
  },
};

export const priorityLevelPrinter: Printer = {
  columns: [
    nameColumn(),
    column(
      'Type',
      'string',
      '`type` indicates whether this priority level is subject to limitation on request execution.',
    ),
    column(
      'NominalConcurrencyShares',
      'string',
      'nominalConcurrencyShares (NCS) contributes to the computation of the NominalConcurrencyLimit (NominalCL) of this level.',
    ),
    column('Queues', 'string', '`queues` is the number of queues for this priority level.'),
    column(
      'HandSize',
      'string',
      '`handSize` is a small positive number that configures the shuffle sharding of requests into queues.',
    ),
    column(
      'QueueLengthLimit',
      'string',
      '`queueLengthLimit` is the maximum number of requests allowed to be waiting in a given queue of this priority level at a time.',
    ),
    ageColumn(),
  ],
  print: (pl: KubeObject, nowMs: number): PrintedRow => {
    const spec = rec(pl.spec);
    const limited = rec(spec.limited);
    const queuing = rec(rec(limited.limitResponse).queuing);
    const queued = Object.keys(queuing).length > 0;
    return {
      cells: [
        str(pl.metadata.name),
        str(spec.type),
        spec.type === 'Limited' ? String(int(limited.nominalConcurrencyShares)) : '<none>',
        queued ? String(int(queuing.queues)) : '<none>',
        queued ? String(int(queuing.handSize)) : '<none>',
        queued ? String(int(queuing.queueLengthLimit)) : '<none>',
        age(pl, nowMs),
      ],
    };
  },
};
