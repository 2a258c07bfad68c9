/**
 * Tables for the apps/v1 workload controllers (Deployment, ReplicaSet, DaemonSet), after
 * printers.go `printDeployment`, `printReplicaSet` and `printDaemonSet`. Their counts are
 * the first thing to read when pods are missing, so the cells stay integers as the server
 * sends them.
 */

import type { KubeObject } from '../k8s-types.ts';
import { docs } from './descriptions.ts';
import {
  age,
  ageColumn,
  column,
  containersColumn,
  formatLabelSelector,
  formatLabels,
  imagesColumn,
  int,
  labelSelectorString,
  layoutContainerCells,
  nameColumn,
  type PrintedRow,
  type Printer,
  rec,
  str,
  templateContainers,
} from './format.ts';

/** spec.replicas as the API server stores it: apps/v1 defaulting fills in 1 when omitted. */
function desiredReplicas(obj: KubeObject): number {
  const replicas = rec(obj.spec).replicas;
  return typeof replicas === 'number' ? int(replicas) : 1;
}

function printDeployment(d: KubeObject, nowMs: number): PrintedRow {
  const status = rec(d.status);
  const [names, images] = layoutContainerCells(templateContainers(d));
  // printDeployment prints the raw selector string: empty, not `<none>`, when there is none.
  const selector = labelSelectorString(rec(d.spec).selector) ?? '<invalid>';
  return {
    cells: [
      str(d.metadata.name),
      `${int(status.readyReplicas)}/${desiredReplicas(d)}`,
      int(status.updatedReplicas),
      int(status.availableReplicas),
      age(d, nowMs),
      names,
      images,
      selector,
    ],
  };
}

export const deploymentPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    column('Up-to-date', 'string', docs.deploymentUpdatedReplicas),
    column('Available', 'string', docs.deploymentAvailableReplicas),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', docs.deploymentSelector, { priority: 1 }),
  ],
  print: printDeployment,
};

function printReplicaSet(rs: KubeObject, nowMs: number): PrintedRow {
  const status = rec(rs.status);
  const [names, images] = layoutContainerCells(templateContainers(rs));
  return {
    cells: [
      str(rs.metadata.name),
      desiredReplicas(rs),
      int(status.replicas),
      int(status.readyReplicas),
      age(rs, nowMs),
      names,
      images,
      formatLabelSelector(rec(rs.spec).selector),
    ],
  };
}

export const replicaSetPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', docs.replicaSetSpecReplicas),
    column('Current', 'integer', docs.replicaSetStatusReplicas),
    column('Ready', 'integer', docs.replicaSetReadyReplicas),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', docs.replicaSetSelector, { priority: 1 }),
  ],
  print: printReplicaSet,
};

function printDaemonSet(ds: KubeObject, nowMs: number): PrintedRow {
  const status = rec(ds.status);
  const [names, images] = layoutContainerCells(templateContainers(ds));
  const nodeSelector = rec(rec(rec(ds.spec).template).spec).nodeSelector;
  return {
    cells: [
      str(ds.metadata.name),
      int(status.desiredNumberScheduled),
      int(status.currentNumberScheduled),
      int(status.numberReady),
      int(status.updatedNumberScheduled),
      int(status.numberAvailable),
      formatLabels(nodeSelector),
      age(ds, nowMs),
      names,
      images,
      formatLabelSelector(rec(ds.spec).selector),
    ],
  };
}

export const daemonSetPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', docs.desiredNumberScheduled),
    column('Current', 'integer', docs.currentNumberScheduled),
    column('Ready', 'integer', docs.numberReady),
    column('Up-to-date', 'integer', docs.updatedNumberScheduled),
    column('Available', 'integer', docs.numberAvailable),
    column('Node Selector', 'string', docs.nodeSelector),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', docs.daemonSetSelector, { priority: 1 }),
  ],
  print: printDaemonSet,
};
