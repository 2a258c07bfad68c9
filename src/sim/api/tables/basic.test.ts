/**
 * Fixtures for the small tables (Namespace, ConfigMap, Lease, PodDisruptionBudget) and the
 * Name/Age table of kinds without a printer.
 */

import { describe, expect, it } from 'vitest';
import { rfc3339 } from '../../../time/clock.ts';
import type { KubeObject } from '../k8s-types.ts';
import {
  configMapPrinter,
  defaultPrinter,
  leasePrinter,
  namespacePrinter,
  podDisruptionBudgetPrinter,
} from './basic.ts';
import type { Printer } from './format.ts';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const metadata = { name: 'x', creationTimestamp: rfc3339(NOW - 400 * 24 * 3600_000) };

describe('basic tables', () => {
  it.each<[string, Printer, KubeObject, unknown[]]>([
    [
      'Namespace',
      namespacePrinter,
      { metadata, status: { phase: 'Terminating' } },
      ['x', 'Terminating', '400d'],
    ],
    [
      'ConfigMap counts data and binaryData',
      configMapPrinter,
      { metadata, data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } },
      ['x', 3, '400d'],
    ],
    ['empty ConfigMap', configMapPrinter, { metadata }, ['x', 0, '400d']],
    [
      'Lease',
      leasePrinter,
      { metadata, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 } },
      ['x', 'node-1', '400d'],
    ],
    ['Lease without holder', leasePrinter, { metadata, spec: {} }, ['x', '', '400d']],
    [
      'PDB with minAvailable',
      podDisruptionBudgetPrinter,
      { metadata, spec: { minAvailable: 2 }, status: { disruptionsAllowed: 0 } },
      ['x', '2', 'N/A', 0, '400d'],
    ],
    [
      'PDB with a percentage maxUnavailable',
      podDisruptionBudgetPrinter,
      { metadata, spec: { maxUnavailable: '25%' }, status: { disruptionsAllowed: 1 } },
      ['x', 'N/A', '25%', 1, '400d'],
    ],
    ['default Name/Age', defaultPrinter, { metadata }, ['x', '400d']],
    ['default without a timestamp', defaultPrinter, { metadata: { name: 'y' } }, ['y', '<unknown>']],
  ])('%s', (_name, printer, obj, want) => {
    const { cells } = printer.print(obj, NOW);
    expect(cells).toEqual(want);
    expect(cells).toHaveLength(printer.columns.length);
  });
});
