/**
 * Tables for kinds whose rows are a few plain fields (Namespace, ConfigMap, Lease,
 * PodDisruptionBudget, after the matching printers.go functions), and the Name/Age table
 * served for any kind without a printer of its own.
 */

import type { KubeObject } from '../k8s-types.ts';
import { docs } from './descriptions.ts';
import {
  age,
  ageColumn,
  column,
  int,
  nameColumn,
  type PrintedRow,
  type Printer,
  rec,
  str,
} from './format.ts';

export const namespacePrinter: Printer = {
  columns: [nameColumn(), column('Status', 'string', 'The status of the namespace'), ageColumn()],
  print: (ns: KubeObject, nowMs: number): PrintedRow => ({
    cells: [str(ns.metadata.name), str(rec(ns.status).phase), age(ns, nowMs)],
  }),
};

export const configMapPrinter: Printer = {
  columns: [nameColumn(), column('Data', 'string', docs.configMapData), ageColumn()],
  print: (cm: KubeObject, nowMs: number): PrintedRow => ({
    // Binary entries count as data too.
    cells: [
      str(cm.metadata.name),
      Object.keys(rec(cm.data)).length + Object.keys(rec(cm.binaryData)).length,
      age(cm, nowMs),
    ],
  }),
};

export const leasePrinter: Printer = {
  columns: [nameColumn(), column('Holder', 'string', docs.holderIdentity), ageColumn()],
  print: (lease: KubeObject, nowMs: number): PrintedRow => ({
    cells: [str(lease.metadata.name), str(rec(lease.spec).holderIdentity), age(lease, nowMs)],
  }),
};

/** IntOrString.String(): an int prints in decimal, a string (a percentage) as is. */
function intOrString(v: unknown): string {
  if (typeof v === 'number') return String(int(v));
  if (typeof v === 'string') return v;
  return 'N/A';
}

export const podDisruptionBudgetPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Min Available', 'string', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    ageColumn(),
  ],
  print: (pdb: KubeObject, nowMs: number): PrintedRow => {
    const spec = rec(pdb.spec);
    return {
      cells: [
        str(pdb.metadata.name),
        intOrString(spec.minAvailable),
        intOrString(spec.maxUnavailable),
        int(rec(pdb.status).disruptionsAllowed),
        age(pdb, nowMs),
      ],
    };
  },
};

/**
 * Name and Age, in the shape apiextensions-apiserver serves for a kind without printer
 * columns (an `Age` column of type `date` rendered as a human duration). The generic
 * apiserver DefaultTableConvertor would send `Created At` as a raw RFC 3339 string instead;
 * Age is what kubectl users expect to read, and what its own fallback prints.
 */
export const defaultPrinter: Printer = {
  columns: [nameColumn(), column('Age', 'date', docs.creationTimestamp)],
  print: (obj: KubeObject, nowMs: number): PrintedRow => ({
    cells: [str(obj.metadata.name), age(obj, nowMs)],
  }),
};
