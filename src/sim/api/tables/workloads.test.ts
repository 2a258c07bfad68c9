/**
 * Fixtures for the Deployment, ReplicaSet and DaemonSet tables: counts as integers, the
 * READY fraction, defaulted replicas and the selector strings of the wide cells.
 */

import { describe, expect, it } from 'vitest';
import { rfc3339 } from '../../../time/clock.ts';
import type { KubeObject } from '../k8s-types.ts';
import { daemonSetPrinter, deploymentPrinter, replicaSetPrinter } from './workloads.ts';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const metadata = { name: 'web', namespace: 'default', creationTimestamp: rfc3339(NOW - 26 * 3600_000) };
const template = {
  metadata: { labels: { app: 'web' } },
  spec: {
    containers: [
      { name: 'app', image: 'nginx:1.27' },
      { name: 'proxy', image: 'envoy:1.31' },
    ],
  },
};

describe('workload tables', () => {
  it.each<[string, { print: (o: KubeObject, now: number) => { cells: unknown[] } }, KubeObject, unknown[]]>([
    [
      'Deployment, partly available',
      deploymentPrinter,
      {
        metadata,
        spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
        status: { replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2 },
      },
      ['web', '2/3', 3, 2, '26h', 'app,proxy', 'nginx:1.27,envoy:1.31', 'app=web'],
    ],
    [
      'Deployment without status or replicas (defaulted to 1); empty selector prints empty',
      deploymentPrinter,
      { metadata, spec: { template } },
      ['web', '0/1', 0, 0, '26h', 'app,proxy', 'nginx:1.27,envoy:1.31', ''],
    ],
    [
      'Deployment with an invalid selector',
      deploymentPrinter,
      {
        metadata,
        spec: { replicas: 0, selector: { matchExpressions: [{ key: 'a', operator: 'In' }] }, template },
      },
      ['web', '0/0', 0, 0, '26h', 'app,proxy', 'nginx:1.27,envoy:1.31', '<invalid>'],
    ],
    [
      'ReplicaSet',
      replicaSetPrinter,
      {
        metadata,
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web', 'pod-template-hash': '7d4b9' } },
          template,
        },
        status: { replicas: 2, readyReplicas: 1 },
      },
      ['web', 2, 2, 1, '26h', 'app,proxy', 'nginx:1.27,envoy:1.31', 'app=web,pod-template-hash=7d4b9'],
    ],
    [
      'ReplicaSet without a selector prints <none>',
      replicaSetPrinter,
      { metadata, spec: { replicas: 0, template } },
      ['web', 0, 0, 0, '26h', 'app,proxy', 'nginx:1.27,envoy:1.31', '<none>'],
    ],
    [
      'DaemonSet with a node selector',
      daemonSetPrinter,
      {
        metadata,
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: {
            ...template,
            spec: { ...template.spec, nodeSelector: { 'kubernetes.io/os': 'linux' } },
          },
        },
        status: {
          desiredNumberScheduled: 3,
          currentNumberScheduled: 3,
          numberReady: 2,
          updatedNumberScheduled: 3,
          numberAvailable: 2,
        },
      },
      [
        'web',
        3,
        3,
        2,
        3,
        2,
        'kubernetes.io/os=linux',
        '26h',
        'app,proxy',
        'nginx:1.27,envoy:1.31',
        'app=web',
      ],
    ],
    [
      'DaemonSet without node selector or status',
      daemonSetPrinter,
      { metadata, spec: { template } },
      ['web', 0, 0, 0, 0, 0, '<none>', '26h', 'app,proxy', 'nginx:1.27,envoy:1.31', '<none>'],
    ],
  ])('%s', (_name, printer, obj, want) => {
    expect(printer.print(obj, NOW).cells).toEqual(want);
  });

  it.each([
    ['Deployment', deploymentPrinter, 'Name Ready Up-to-date Available Age Containers* Images* Selector*'],
    ['ReplicaSet', replicaSetPrinter, 'Name Desired Current Ready Age Containers* Images* Selector*'],
    [
      'DaemonSet',
      daemonSetPrinter,
      'Name Desired Current Ready Up-to-date Available Node Selector Age Containers* Images* Selector*',
    ],
  ])('%s columns (* = priority 1)', (_kind, printer, want) => {
    expect(printer.columns.map((c) => c.name + (c.priority ? '*' : '')).join(' ')).toBe(want);
  });
});
