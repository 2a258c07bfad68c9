/**
 * Fixtures for the Node table: the STATUS variants the node controller and cordon produce,
 * the role label conventions, and the `<none>`/`<unknown>` placeholders of the wide cells.
 */

import { describe, expect, it } from 'vitest';
import { rfc3339 } from '../../../time/clock.ts';
import type { KubeObject } from '../k8s-types.ts';
import { nodePrinter } from './node.ts';

const NOW = Date.parse('2025-03-01T12:00:00Z');

function node(opts: {
  conditions?: Record<string, unknown>[];
  unschedulable?: boolean;
  labels?: Record<string, string>;
  status?: Record<string, unknown>;
}): KubeObject {
  return {
    metadata: {
      name: 'node-1',
      creationTimestamp: rfc3339(NOW - 3 * 24 * 3600_000 - 4 * 3600_000),
      ...(opts.labels ? { labels: opts.labels } : {}),
    },
    spec: opts.unschedulable === undefined ? {} : { unschedulable: opts.unschedulable },
    status: { ...(opts.conditions ? { conditions: opts.conditions } : {}), ...opts.status },
  };
}

const cond = (type: string, status: string) => ({ type, status });

describe('Node table: STATUS', () => {
  it.each<[string, KubeObject, string]>([
    ['Ready', node({ conditions: [cond('MemoryPressure', 'False'), cond('Ready', 'True')] }), 'Ready'],
    ['NotReady', node({ conditions: [cond('Ready', 'False')] }), 'NotReady'],
    ['Ready=Unknown prints NotReady', node({ conditions: [cond('Ready', 'Unknown')] }), 'NotReady'],
    ['no Ready condition', node({ conditions: [cond('DiskPressure', 'False')] }), 'Unknown'],
    ['no conditions at all', node({}), 'Unknown'],
    [
      'cordoned',
      node({ conditions: [cond('Ready', 'True')], unschedulable: true }),
      'Ready,SchedulingDisabled',
    ],
    [
      'cordoned and unreachable',
      node({ conditions: [cond('Ready', 'Unknown')], unschedulable: true }),
      'NotReady,SchedulingDisabled',
    ],
    ['cordoned without conditions', node({ unschedulable: true }), 'Unknown,SchedulingDisabled'],
    ['uncordoned explicitly', node({ conditions: [cond('Ready', 'True')], unschedulable: false }), 'Ready'],
  ])('%s', (_name, obj, want) => {
    expect(nodePrinter.print(obj, NOW).cells[1]).toBe(want);
  });
});

describe('Node table: ROLES', () => {
  it.each<[string, Record<string, string> | undefined, string]>([
    ['no labels', undefined, '<none>'],
    ['unrelated labels', { 'kubernetes.io/hostname': 'node-1' }, '<none>'],
    ['control plane', { 'node-role.kubernetes.io/control-plane': '' }, 'control-plane'],
    [
      'both conventions, sorted and de-duplicated',
      {
        'node-role.kubernetes.io/worker': '',
        'kubernetes.io/role': 'ingress',
        'node-role.kubernetes.io/ingress': 'true',
      },
      'ingress,worker',
    ],
    [
      'an empty role suffix or value is ignored',
      { 'node-role.kubernetes.io/': '', 'kubernetes.io/role': '' },
      '<none>',
    ],
  ])('%s', (_name, labels, want) => {
    expect(nodePrinter.print(node({ labels }), NOW).cells[2]).toBe(want);
  });
});

describe('Node table: full row', () => {
  it('prints age, version and the wide cells', () => {
    const obj = node({
      conditions: [cond('Ready', 'True')],
      status: {
        addresses: [
          { type: 'Hostname', address: 'node-1' },
          { type: 'InternalIP', address: '10.0.0.11' },
          { type: 'ExternalIP', address: '203.0.113.7' },
        ],
        nodeInfo: {
          kubeletVersion: 'v1.32.3',
          osImage: 'Ubuntu 24.04.1 LTS',
          kernelVersion: '6.8.0-51-generic',
          containerRuntimeVersion: 'containerd://1.7.24',
        },
      },
    });
    expect(nodePrinter.print(obj, NOW).cells).toEqual([
      'node-1',
      'Ready',
      '<none>',
      '3d4h',
      'v1.32.3',
      '10.0.0.11',
      '203.0.113.7',
      'Ubuntu 24.04.1 LTS',
      '6.8.0-51-generic',
      'containerd://1.7.24',
    ]);
  });

  it('uses placeholders for what the kubelet has not reported', () => {
    expect(nodePrinter.print(node({}), NOW).cells.slice(4)).toEqual([
      '',
      '<none>',
      '<none>',
      '<unknown>',
      '<unknown>',
      '<unknown>',
    ]);
  });

  it('declares the wide columns at priority 1', () => {
    expect(nodePrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
      'Name:0',
      'Status:0',
      'Roles:0',
      'Age:0',
      'Version:0',
      'Internal-IP:1',
      'External-IP:1',
      'OS-Image:1',
      'Kernel-Version:1',
      'Container-Runtime:1',
    ]);
  });
});
