/**
 * Server-side Table printing (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), the way
 * kube-apiserver answers `kubectl get`: column definitions and cells from the per-kind
 * printers in ./tables (ports of k8s.io/kubernetes pkg/printers/internalversion/printers.go),
 * wrapped as apiserver's endpoints/handlers/response.go `asTable` does, including the
 * `includeObject` handling of each row's embedded object.
 */

import { cloneJson, type KubeObject } from './k8s-types.ts';
import { groupVersion, type ResourceType } from './resources.ts';
import {
  configMapPrinter,
  defaultPrinter,
  leasePrinter,
  namespacePrinter,
  podDisruptionBudgetPrinter,
} from './tables/basic.ts';
import { cronJobPrinter, ingressPrinter, jobPrinter } from './tables/batch-network.ts';
import {
  flowSchemaPrinter,
  priorityLevelPrinter,
  webhookConfigurationPrinter,
} from './tables/control-plane.ts';
import { eventPrinter } from './tables/event.ts';
import type { Cell, Printer, TableColumnDefinition, TableRowCondition } from './tables/format.ts';
import { endpointSlicePrinter, endpointsPrinter, servicePrinter } from './tables/network.ts';
import { nodePrinter } from './tables/node.ts';
import { podPrinter } from './tables/pod.ts';
import { daemonSetPrinter, deploymentPrinter, replicaSetPrinter } from './tables/workloads.ts';

export { humanDuration } from './tables/duration.ts';
export type { Cell, TableColumnDefinition, TableRowCondition } from './tables/format.ts';

/** The `includeObject` query parameter; kubectl sends none (Metadata) unless `--sort-by`. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** "Now" for every AGE cell, from the simulator's Clock. */
  nowMs: number;
  includeObject: IncludeObject;
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

/** metav1.ListMeta as a Table carries it. */
export type TableListMeta = {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
};

export type TableRow = {
  cells: Cell[];
  conditions?: TableRowCondition[];
  object?: KubeObject;
};

export type Table = {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: TableListMeta;
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
};

/** Printers by `group/kind`; both Event APIs print alike, as they share one internal type. */
const printers = new Map<string, Printer>([
  ['/Namespace', namespacePrinter],
  ['/Node', nodePrinter],
  ['/Pod', podPrinter],
  ['/Service', servicePrinter],
  ['/Endpoints', endpointsPrinter],
  ['/Event', eventPrinter],
  ['/ConfigMap', configMapPrinter],
  ['apps/Deployment', deploymentPrinter],
  ['apps/ReplicaSet', replicaSetPrinter],
  ['apps/DaemonSet', daemonSetPrinter],
  ['discovery.k8s.io/EndpointSlice', endpointSlicePrinter],
  ['coordination.k8s.io/Lease', leasePrinter],
  ['policy/PodDisruptionBudget', podDisruptionBudgetPrinter],
  ['events.k8s.io/Event', eventPrinter],
  ['admissionregistration.k8s.io/ValidatingWebhookConfiguration', webhookConfigurationPrinter],
  ['admissionregistration.k8s.io/MutatingWebhookConfiguration', webhookConfigurationPrinter],
  ['flowcontrol.apiserver.k8s.io/FlowSchema', flowSchemaPrinter],
  ['flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration', priorityLevelPrinter],
  ['batch/Job', jobPrinter],
  ['batch/CronJob', cronJobPrinter],
  ['networking.k8s.io/Ingress', ingressPrinter],
]);

function printerFor(r: ResourceType): Printer {
  return printers.get(`${r.group}/${r.kind}`) ?? defaultPrinter;
}

/**
 * The object embedded in a row. kubectl decodes every one and discards the whole Table if a
 * single one lacks `kind`, so both non-empty variants always set it.
 */
function rowObject(r: ResourceType, item: KubeObject, include: IncludeObject): KubeObject | undefined {
  switch (include) {
    case 'None':
      return undefined;
    case 'Metadata':
      return {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: cloneJson(item.metadata),
      };
    case 'Object': {
      // Stored items omit their type; the server encodes them with the requested version's.
      const copy = cloneJson(item);
      const full: KubeObject = { kind: r.kind, apiVersion: groupVersion(r), metadata: copy.metadata };
      for (const [key, value] of Object.entries(copy)) {
        if (key !== 'kind' && key !== 'apiVersion' && key !== 'metadata') full[key] = value;
      }
      return full;
    }
  }
}

/**
 * Renders `items` (already in `r`'s group/version, already filtered and paged) as a
 * meta.k8s.io/v1 Table. Every cell, wide ones included, is filled: the client decides which
 * columns to show by their priority.
 */
export function toTable(r: ResourceType, items: KubeObject[], opts: TableOptions): KubeObject {
  const printer = printerFor(r);
  const rows = items.map((item): TableRow => {
    const printed = printer.print(item, opts.nowMs);
    const row: TableRow = { cells: printed.cells };
    if (printed.conditions) row.conditions = printed.conditions;
    const object = rowObject(r, item, opts.includeObject);
    if (object) row.object = object;
    return row;
  });

  // ListMeta fields are all omitempty on the wire.
  const metadata: TableListMeta = {};
  if (opts.resourceVersion !== '') metadata.resourceVersion = opts.resourceVersion;
  if (opts.continueToken) metadata.continue = opts.continueToken;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;

  const table: Table = {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: printer.columns.map((c) => ({ ...c })),
    rows,
  };
  return table;
}
