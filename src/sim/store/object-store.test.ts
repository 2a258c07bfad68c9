import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/manual-clock.ts';
import { objectFields } from '../api/field-selector.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { ApiError } from '../api/status.ts';
import { ObjectStore } from './object-store.ts';
import type { WatchEvent } from './watch-history.ts';

const cm = resourceForKind('ConfigMap')!;
const pod = resourceForKind('Pod')!;
const node = resourceForKind('Node')!;
const deploy = resourceForKind('Deployment', 'apps')!;

function newStore(opts: { windowMs?: number; maxEvents?: number } = {}) {
  const clock = new ManualClock(Date.UTC(2026, 10, 21, 6, 0, 0));
  let uid = 0;
  const store = new ObjectStore({
    clock,
    fieldsOf: objectFields,
    historyWindowMs: opts.windowMs,
    historyMaxEvents: opts.maxEvents,
    newUid: () => `uid-${++uid}`,
  });
  return { clock, store };
}

function configMap(name: string, data: Record<string, string> = {}, ns = 'default'): KubeObject {
  return { metadata: { name, namespace: ns }, data };
}

function errorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

describe('ObjectStore metadata', () => {
  it('assigns uid, a store-wide resourceVersion and creationTimestamp on create', () => {
    const { store } = newStore();
    const a = store.create(cm, configMap('a'));
    const b = store.create(node, { metadata: { name: 'n1', namespace: 'ignored' } });
    expect(a.metadata).toMatchObject({
      uid: 'uid-1',
      resourceVersion: '1',
      creationTimestamp: '2026-11-21T06:00:00Z',
      namespace: 'default',
    });
    expect(b.metadata.resourceVersion).toBe('2');
    expect(b.metadata.namespace).toBeUndefined();
    expect(store.resourceVersion).toBe(2);
  });

  it('fills generateName and rejects a missing name', () => {
    const { store } = newStore();
    const a = store.create(cm, { metadata: { generateName: 'web-' } });
    expect(a.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(errorOf(() => store.create(cm, { metadata: {} })).code).toBe(422);
  });

  it.each([
    [
      'AlreadyExists on a duplicate',
      (s: ObjectStore) => s.create(cm, configMap('a')),
      409,
      'configmaps "a" already exists',
    ],
    [
      'NotFound on a missing get',
      (s: ObjectStore) => s.get(cm, 'default', 'zz'),
      404,
      'configmaps "zz" not found',
    ],
    [
      'Conflict on a stale resourceVersion',
      (s: ObjectStore) =>
        s.update(cm, {
          ...configMap('a', { k: 'v2' }),
          metadata: { name: 'a', namespace: 'default', resourceVersion: '0' },
        }),
      409,
      'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again',
    ],
  ])('%s', (_name, act, code, message) => {
    const { store } = newStore();
    store.create(cm, configMap('a'));
    const err = errorOf(() => act(store));
    expect(err.code).toBe(code);
    expect(err.message).toBe(message);
  });

  it('keeps identity fields and status on a main-resource update, and bumps generation on spec change', () => {
    const { store } = newStore();
    const d = store.create(deploy, {
      metadata: { name: 'web', namespace: 'shop' },
      spec: { replicas: 1 },
      status: { replicas: 0 },
    });
    expect(d.metadata.generation).toBe(1);
    const upd = store.update(deploy, {
      metadata: { name: 'web', namespace: 'shop', uid: 'forged', creationTimestamp: '1999-01-01T00:00:00Z' },
      spec: { replicas: 3 },
      status: { replicas: 99 },
    });
    expect(upd.metadata.uid).toBe(d.metadata.uid);
    expect(upd.metadata.creationTimestamp).toBe(d.metadata.creationTimestamp);
    expect(upd.metadata.generation).toBe(2);
    expect(upd.status).toEqual({ replicas: 0 });
    const st = store.update(
      deploy,
      { ...upd, spec: { replicas: 100 }, status: { replicas: 3 } },
      { subresource: 'status' },
    );
    expect(st.status).toEqual({ replicas: 3 });
    expect(st.spec).toEqual({ replicas: 3 });
    expect(st.metadata.generation).toBe(2);
  });

  it('does not bump the resourceVersion or emit an event for a no-op update', () => {
    const { store } = newStore();
    const a = store.create(cm, configMap('a', { k: 'v' }));
    const events: WatchEvent[] = [];
    store.subscribe(cm.storage, (e) => events.push(e));
    const same = store.update(cm, a);
    expect(same.metadata.resourceVersion).toBe(a.metadata.resourceVersion);
    expect(events).toHaveLength(0);
  });

  it('never lets a result change what is stored: written and found objects are frozen, get returns a copy', () => {
    const { store } = newStore();
    const a = store.create(cm, configMap('a', { k: 'v' }));
    expect(() => {
      (a.data as Record<string, string>).k = 'changed';
    }).toThrow(TypeError);
    expect(Object.isFrozen(store.find(cm, 'default', 'a'))).toBe(true);
    const got = store.get(cm, 'default', 'a');
    (got.data as Record<string, string>).k = 'changed again';
    expect(store.get(cm, 'default', 'a').data).toEqual({ k: 'v' });
  });
});

describe('ObjectStore deletion', () => {
  it('holds an object with finalizers until they are removed', () => {
    const { store } = newStore();
    store.create(cm, { metadata: { name: 'a', namespace: 'default', finalizers: ['example.com/keep'] } });
    const first = store.delete(cm, 'default', 'a');
    expect(first.deleted).toBe(false);
    expect(first.object.metadata.deletionTimestamp).toBe('2026-11-21T06:00:00Z');
    const held = store.get(cm, 'default', 'a');
    const gone = store.update(cm, { ...held, metadata: { ...held.metadata, finalizers: [] } });
    expect(gone.metadata.name).toBe('a');
    expect(store.find(cm, 'default', 'a')).toBeUndefined();
  });

  it('deletes a bound pod gracefully and an unbound one at once', () => {
    const { store } = newStore();
    store.create(pod, {
      metadata: { name: 'bound', namespace: 'ns' },
      spec: { nodeName: 'n1', terminationGracePeriodSeconds: 45 },
      status: { phase: 'Running' },
    });
    store.create(pod, {
      metadata: { name: 'pending', namespace: 'ns' },
      spec: {},
      status: { phase: 'Pending' },
    });
    const bound = store.delete(pod, 'ns', 'bound');
    expect(bound.deleted).toBe(false);
    expect(bound.object.metadata).toMatchObject({
      deletionTimestamp: '2026-11-21T06:00:45Z',
      deletionGracePeriodSeconds: 45,
    });
    expect(store.delete(pod, 'ns', 'pending').deleted).toBe(true);
    // The kubelet confirms with grace 0.
    expect(store.delete(pod, 'ns', 'bound', { gracePeriodSeconds: 0 }).deleted).toBe(true);
    expect(store.count(pod)).toBe(0);
  });

  it('checks uid and resourceVersion preconditions', () => {
    const { store } = newStore();
    store.create(cm, configMap('a'));
    expect(errorOf(() => store.delete(cm, 'default', 'a', { preconditions: { uid: 'other' } })).code).toBe(
      409,
    );
    expect(
      errorOf(() => store.delete(cm, 'default', 'a', { preconditions: { resourceVersion: '7' } })).code,
    ).toBe(409);
    expect(
      store.delete(cm, 'default', 'a', { preconditions: { uid: 'uid-1', resourceVersion: '1' } }).deleted,
    ).toBe(true);
  });
});

describe('ObjectStore lists', () => {
  it('lists in key order, by namespace, with limit and resume', () => {
    const { store } = newStore();
    for (const [ns, name] of [
      ['b', 'x'],
      ['a', 'z'],
      ['a', 'y'],
      ['c', 'w'],
      ['ab', 'q'],
    ])
      store.create(cm, configMap(name, {}, ns));
    const keys = (r: { entries: { key: string }[] }) => r.entries.map((e) => e.key);
    expect(keys(store.list(cm))).toEqual(['a/y', 'a/z', 'ab/q', 'b/x', 'c/w']);
    expect(keys(store.list(cm, { namespace: 'a' }))).toEqual(['a/y', 'a/z']);
    const page = store.list(cm, { limit: 2 });
    expect(keys(page)).toEqual(['a/y', 'a/z']);
    expect(page).toMatchObject({ lastKey: 'a/z', remaining: 3 });
    const next = store.list(cm, { limit: 2, startAfterKey: page.lastKey });
    expect(keys(next)).toEqual(['ab/q', 'b/x']);
    const nsPage = store.list(cm, { namespace: 'a', limit: 1 });
    expect(nsPage).toMatchObject({ lastKey: 'a/y', remaining: 1 });
    const filtered = store.list(cm, { filter: (e) => e.name !== 'z' });
    expect(keys(filtered)).toEqual(['a/y', 'ab/q', 'b/x', 'c/w']);
  });
});

describe('ObjectStore watch history', () => {
  it('replays events after a revision and refuses revisions older than history', () => {
    const { store, clock } = newStore({ windowMs: 60_000 });
    store.create(cm, configMap('a'));
    store.create(cm, configMap('b'));
    store.create(pod, { metadata: { name: 'p', namespace: 'default' }, spec: {} });
    expect(store.eventsSince(cm.storage, 1).map((e) => [e.type, e.entry.name, e.rv])).toEqual([
      ['ADDED', 'b', 2],
    ]);
    clock.advance(61_000);
    store.create(cm, configMap('c'));
    const err = errorOf(() => store.eventsSince(cm.storage, 2));
    expect(err.code).toBe(410);
    expect(err.message).toBe('too old resource version: 2 (3)');
    expect(store.eventsSince(cm.storage, 3).map((e) => e.entry.name)).toEqual(['c']);
  });

  it('compacts on demand and bounds the number of retained events', () => {
    const { store } = newStore({ maxEvents: 3 });
    for (const n of ['a', 'b', 'c', 'd', 'e']) store.create(cm, configMap(n));
    expect(store.history.size).toBe(3);
    expect(errorOf(() => store.eventsSince(cm.storage, 1)).code).toBe(410);
    expect(store.eventsSince(cm.storage, 2).map((e) => e.entry.name)).toEqual(['c', 'd', 'e']);
    store.compact();
    expect(errorOf(() => store.eventsSince(cm.storage, 4)).code).toBe(410);
    expect(store.eventsSince(cm.storage, 5)).toEqual([]);
  });

  it('carries the previous state so filtered watches can see objects leave', () => {
    const { store } = newStore();
    const events: WatchEvent[] = [];
    store.subscribe(cm.storage, (e) => events.push(e));
    const a = store.create(cm, { metadata: { name: 'a', namespace: 'default', labels: { app: 'web' } } });
    store.update(cm, { ...a, metadata: { ...a.metadata, labels: { app: 'db' } } });
    store.delete(cm, 'default', 'a');
    expect(events.map((e) => [e.type, e.prev?.labels?.app, e.entry.labels?.app, e.rv])).toEqual([
      ['ADDED', undefined, 'web', 1],
      ['MODIFIED', 'web', 'db', 2],
      ['DELETED', 'db', 'db', 3],
    ]);
  });
});
