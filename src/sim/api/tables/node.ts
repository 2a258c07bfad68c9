/**
 * The Node table, after printers.go `printNode`. STATUS is derived from the Ready condition
 * alone: an Unknown Ready condition (the node controller's verdict on a silent kubelet)
 * prints `NotReady`, and `Unknown` appears only when there is no Ready condition at all.
 */

import type { KubeObject } from '../k8s-types.ts';
import { docs } from './descriptions.ts';
import {
  age,
  ageColumn,
  column,
  nameColumn,
  type PrintedRow,
  type Printer,
  rec,
  recs,
  str,
} from './format.ts';

const ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';
const ROLE_LABEL = 'kubernetes.io/role';

function nodeStatus(node: KubeObject): string {
  const status: string[] = [];
  // printers.go keeps the last condition of a type, so a duplicate later entry wins.
  const ready = recs(rec(node.status).conditions)
    .filter((c) => c.type === 'Ready')
    .at(-1);
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (rec(node.spec).unschedulable === true) status.push('SchedulingDisabled');
  return status.join(',');
}

/** printers.go `findNodeRoles`: both label conventions, de-duplicated and sorted. */
function nodeRoles(node: KubeObject): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata.labels ?? {})) {
    if (key.startsWith(ROLE_LABEL_PREFIX)) {
      const role = key.slice(ROLE_LABEL_PREFIX.length);
      if (role !== '') roles.add(role);
    } else if (key === ROLE_LABEL && value !== '') {
      roles.add(value);
    }
  }
  const joined = [...roles].sort().join(',');
  return joined === '' ? '<none>' : joined;
}

function nodeAddress(node: KubeObject, type: string): string {
  const found = recs(rec(node.status).addresses).find((a) => a.type === type);
  return found ? str(found.address) : '<none>';
}

function printNode(node: KubeObject, nowMs: number): PrintedRow {
  const info = rec(rec(node.status).nodeInfo);
  const orUnknown = (v: unknown): string => str(v) || '<unknown>';
  return {
    cells: [
      str(node.metadata.name),
      nodeStatus(node),
      nodeRoles(node),
      age(node, nowMs),
      str(info.kubeletVersion),
      nodeAddress(node, 'InternalIP'),
      nodeAddress(node, 'ExternalIP'),
      orUnknown(info.osImage),
      orUnknown(info.kernelVersion),
      orUnknown(info.containerRuntimeVersion),
    ],
  };
}

export const nodePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    ageColumn(),
    column('Version', 'string', docs.kubeletVersion),
    column('Internal-IP', 'string', docs.nodeAddresses, { priority: 1 }),
    column('External-IP', 'string', docs.nodeAddresses, { priority: 1 }),
    column('OS-Image', 'string', docs.osImage, { priority: 1 }),
    column('Kernel-Version', 'string', docs.kernelVersion, { priority: 1 }),
    column('Container-Runtime', 'string', docs.containerRuntimeVersion, { priority: 1 }),
  ],
  print: printNode,
};
