/**
 * Tests for the Table envelope: list metadata, the three includeObject modes (kubectl throws
 * the whole Table away if any row.object lacks `kind`), printer dispatch per group/kind, and
 * that every registered resource prints one cell per column even from a bare object.
 */

import { describe, expect, it } from 'vitest';
import { rfc3339 } from '../../time/clock.ts';
import type { KubeObject } from './k8s-types.ts';
import { findResource, type ResourceType, resourceTypes } from './resources.ts';
import { humanDuration, type IncludeObject, type Table, toTable } from './table.ts';

const NOW = Date.parse('2025-03-01T12:00:00Z');

function resource(group: string, version: string, plural: string): ResourceType {
  const r = findResource(group, version, plural);
  if (!r) throw new Error(`no resource ${group}/${version}/${plural}`);
  return r;
}

const pods = resource('', 'v1', 'pods');
const storedPod: KubeObject = {
  metadata: {
    name: 'web-1',
    namespace: 'default',
    uid: 'u-1',
    resourceVersion: '41',
    creationTimestamp: rfc3339(NOW - 5 * 60_000),
    labels: { app: 'web' },
    managedFields: [{ manager: 'kubectl' }],
  },
  spec: { containers: [{ name: 'app', image: 'nginx' }], nodeName: 'node-1' },
  status: { phase: 'Running' },
};

function table(r: ResourceType, items: KubeObject[], include: IncludeObject = 'Metadata'): Table {
  return toTable(r, items, { nowMs: NOW, includeObject: include, resourceVersion: '42' }) as Table;
}

describe('toTable envelope', () => {
  it('is a meta.k8s.io/v1 Table with full column definitions', () => {
    const t = table(pods, [storedPod]);
    expect(t.kind).toBe('Table');
    expect(t.apiVersion).toBe('meta.k8s.io/v1');
    expect(t.metadata).toEqual({ resourceVersion: '42' });
    expect(t.columnDefinitions[0]).toEqual({
      name: 'Name',
      type: 'string',
      format: 'name',
      description: expect.stringMatching(/^Name must be unique within a namespace\./),
      priority: 0,
    });
    for (const c of t.columnDefinitions)
      expect(Object.keys(c).sort()).toEqual(['description', 'format', 'name', 'priority', 'type']);
    expect(t.rows[0].cells).toEqual([
      'web-1',
      '0/1',
      'Running',
      '0',
      '5m',
      '<none>',
      'node-1',
      '<none>',
      '<none>',
    ]);
  });

  it('carries continue and remainingItemCount only when given', () => {
    const paged = toTable(pods, [], {
      nowMs: NOW,
      includeObject: 'Metadata',
      resourceVersion: '42',
      continueToken: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ',
      remainingItemCount: 0,
    });
    expect(paged.metadata).toEqual({
      resourceVersion: '42',
      continue: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ',
      remainingItemCount: 0,
    });
    expect(
      toTable(pods, [], { nowMs: NOW, includeObject: 'None', resourceVersion: '', continueToken: '' })
        .metadata,
    ).toEqual({});
    expect((paged as Table).rows).toEqual([]);
  });
});

describe('toTable row objects', () => {
  it.each<[IncludeObject, KubeObject | undefined]>([
    ['None', undefined],
    [
      'Metadata',
      { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: storedPod.metadata },
    ],
    ['Object', { kind: 'Pod', apiVersion: 'v1', ...storedPod }],
  ])('includeObject=%s', (include, want) => {
    const row = table(pods, [storedPod], include).rows[0];
    expect(row.object).toEqual(want);
    if (include === 'None') expect('object' in row).toBe(false);
    else expect(Object.keys(row.object ?? {}).slice(0, 2)).toEqual(['kind', 'apiVersion']);
  });

  it('takes kind and apiVersion from the resource, not from the stored item', () => {
    const deployments = resource('apps', 'v1', 'deployments');
    const stale: KubeObject = { apiVersion: 'extensions/v1beta1', metadata: { name: 'web' }, spec: {} };
    const row = table(deployments, [stale], 'Object').rows[0];
    expect(row.object?.kind).toBe('Deployment');
    expect(row.object?.apiVersion).toBe('apps/v1');
  });

  it('never shares structure with the stored item', () => {
    for (const include of ['Metadata', 'Object'] as const) {
      const row = table(pods, [storedPod], include).rows[0];
      expect(row.object?.metadata).not.toBe(storedPod.metadata);
      if (row.object) row.object.metadata.labels = { changed: 'yes' };
      expect(storedPod.metadata.labels).toEqual({ app: 'web' });
    }
  });

  it('gives every row of every resource a kind', () => {
    for (const r of resourceTypes) {
      for (const include of ['Metadata', 'Object'] as const) {
        const t = table(r, [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }], include);
        for (const row of t.rows) expect(typeof row.object?.kind).toBe('string');
      }
    }
  });
});

describe('toTable printers', () => {
  it.each([
    ['', 'v1', 'nodes', 'Name Status Roles Age Version'],
    ['', 'v1', 'namespaces', 'Name Status Age'],
    ['', 'v1', 'services', 'Name Type Cluster-IP External-IP Port(s) Age'],
    ['', 'v1', 'endpoints', 'Name Endpoints Age'],
    ['', 'v1', 'events', 'Last Seen Type Reason Object Message'],
    ['events.k8s.io', 'v1', 'events', 'Last Seen Type Reason Object Message'],
    ['', 'v1', 'configmaps', 'Name Data Age'],
    ['apps', 'v1', 'deployments', 'Name Ready Up-to-date Available Age'],
    ['apps', 'v1', 'replicasets', 'Name Desired Current Ready Age'],
    ['apps', 'v1', 'daemonsets', 'Name Desired Current Ready Up-to-date Available Node Selector Age'],
    ['discovery.k8s.io', 'v1', 'endpointslices', 'Name AddressType Ports Endpoints Age'],
    ['coordination.k8s.io', 'v1', 'leases', 'Name Holder Age'],
    ['policy', 'v1', 'poddisruptionbudgets', 'Name Min Available Max Unavailable Allowed Disruptions Age'],
  ])('%s/%s %s: default columns', (group, version, plural, want) => {
    const t = table(resource(group, version, plural), []);
    expect(
      t.columnDefinitions
        .filter((c) => c.priority === 0)
        .map((c) => c.name)
        .join(' '),
    ).toBe(want);
  });

  it('falls back to Name and Age for kinds without a printer', () => {
    const widgets: ResourceType = { ...pods, group: 'example.com', kind: 'Widget', plural: 'widgets' };
    const t = table(widgets, [{ metadata: { name: 'w', creationTimestamp: rfc3339(NOW - 3_600_000) } }]);
    expect(t.columnDefinitions.map((c) => [c.name, c.type, c.format])).toEqual([
      ['Name', 'string', 'name'],
      ['Age', 'date', ''],
    ]);
    expect(t.rows[0].cells).toEqual(['w', '60m']);
  });

  it('prints one cell per column for every resource, even from a bare object', () => {
    for (const r of resourceTypes) {
      const t = table(r, [{ metadata: {} }]);
      expect(t.rows[0].cells, `${r.group}/${r.plural}`).toHaveLength(t.columnDefinitions.length);
    }
  });

  it('re-exports humanDuration', () => {
    expect(humanDuration(123_000)).toBe('2m3s');
  });
});
