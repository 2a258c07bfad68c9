/**
 * The behaviour every IncidentStore backend must have, as one vitest suite that each
 * backend's test file runs against its own database (`describeStoreConformance`).
 *
 * Each test works in a cluster of its own (`open(cluster)`), so tests share one database
 * without seeing each other's rows, and `open` with the same cluster again is how a test
 * reopens what it wrote.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Hypothesis } from '../../diagnose/hypothesis.ts';
import type { NewActionItem } from '../action-items.ts';
import type { Incident, IncidentStatus, StatusUpdate, TimelineEntry } from '../incident.ts';
import type { Maintenance } from '../maintenance.ts';
import type { Subscriber } from '../subscriber.ts';
import {
  type ActionItemStore,
  DuplicateActionItemError,
  findingKey,
  type IncidentStore,
  StoreError,
} from './store.ts';

/** Opens a store for `cluster` on the suite's database. */
export type OpenStore = (cluster: string) => Promise<IncidentStore>;

export interface ConformanceHooks {
  /** Overwrites one stored incident's body with something that is not an incident. */
  corruptIncidentBody?(cluster: string, id: string): Promise<void>;
}

const T0 = Date.UTC(2024, 2, 11, 15, 2, 0);

export function hypothesis(pattern: string, over: Partial<Hypothesis> = {}): Hypothesis {
  return {
    pattern,
    title: `${pattern} title`,
    statement: `${pattern}: 3 nodes NotReady since 15:02`,
    confidence: 0.82,
    severity: 'critical',
    clusterLevel: true,
    sinceMs: T0,
    supporting: [
      {
        source: 'object',
        ref: 'node/aks-1',
        atMs: T0,
        text: 'Ready=False "Kubelet stopped posting node status"',
      },
      { source: 'probe', ref: 'probe/livez', text: 'livez ok' },
    ],
    contradicting: [{ source: 'metric', ref: 'metric/apiserver', atMs: T0 + 5, text: 'apiserver healthy' }],
    ruledOut: [{ pattern: 'cluster-dns', why: 'CoreDNS answers' }],
    blastRadius: { nodes: ['aks-1', 'aks-2'], pools: ['agentpool'], workloads: ['default/Deployment/web'] },
    nextSteps: [{ say: 'Look at the kubelet', command: 'kubectl describe node aks-1' }, { say: 'Wait' }],
    runbooks: ['node-restart'],
    prevention: ['Alert on kubelet heartbeats'],
    signals: ['node-not-ready node/aks-1'],
    ...over,
  };
}

export function entry(n: number, over: Partial<TimelineEntry> = {}): TimelineEntry {
  return { atMs: T0 + n * 1000, kind: 'signal', text: `entry ${n}`, ...over };
}

export function maintenance(n: number, over: Partial<Maintenance> = {}): Maintenance {
  return {
    id: `MNT-${String(n).padStart(4, '0')}`,
    name: `node pool upgrade ${n}`,
    status: 'scheduled',
    scheduledForMs: T0 + 3_600_000,
    scheduledUntilMs: T0 + 5_400_000,
    components: ['Nodes', 'Workloads'],
    autoStart: true,
    autoComplete: false,
    createdAtMs: T0,
    author: 'alice',
    updates: [
      { atMs: T0, status: 'scheduled', message: 'Upgrading the node pool.', author: 'alice', via: 'ci' },
    ],
    ...over,
  };
}

export function subscriber(id: string, kind: Subscriber['kind'], endpoint: string, n: number): Subscriber {
  return { id, kind, endpoint, createdAtMs: T0 + n, author: 'alice' };
}

export function update(n: number, status: IncidentStatus = 'investigating'): StatusUpdate {
  return { atMs: T0 + n * 1000, status, message: `update ${n}`, author: 'kubetriage' };
}

export function incident(seq: number, over: Partial<Incident> = {}): Incident {
  return {
    id: `INC-${String(seq).padStart(4, '0')}`,
    family: 'nodes',
    status: 'investigating',
    severity: 'critical',
    openedAtMs: T0 + seq * 60_000,
    updatedAtMs: T0 + seq * 60_000,
    top: hypothesis('node-network'),
    topSince: { 'node-network': T0 },
    timeline: [entry(0, { kind: 'opened', text: 'opened' })],
    updates: [],
    signals: ['node-not-ready node/aks-1'],
    ...over,
  };
}

/** A deep copy, as a caller would hold it at one moment. */
const snap = <T>(v: T): T => structuredClone(v);

export function describeStoreConformance(name: string, open: OpenStore, hooks: ConformanceHooks = {}): void {
  describe(`IncidentStore conformance: ${name}`, () => {
    const opened: IncidentStore[] = [];
    let n = 0;
    /** A cluster name no other test uses. */
    const fresh = () => `conf-${++n}-${Math.floor(Math.random() * 1e9)}`;
    const openTracked = async (cluster: string) => {
      const s = await open(cluster);
      opened.push(s);
      return s;
    };

    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });

    it('round-trips a whole incident, hypotheses and evidence included', async () => {
      const s = await openTracked(fresh());
      const full = incident(1, {
        status: 'resolved',
        resolvedAtMs: T0 + 3_600_000,
        runnerUp: hypothesis('kubelet-failure', { confidence: 0.4, clusterLevel: false }),
        topSince: { 'node-network': T0, 'kubelet-failure': T0 - 5 },
        timeline: [
          entry(0, { kind: 'opened', text: 'opened' }),
          entry(1, {
            kind: 'note',
            text: 'looking — “quotes” and ünïcode',
            author: 'alice',
            via: 'laptop-alice',
          }),
          entry(2, { kind: 'action', text: 'cordoned aks-1', author: 'kubetriage' }),
        ],
        updates: [
          update(0),
          {
            ...update(3, 'identified'),
            author: 'bob',
            via: 'ci',
            components: { DNS: 'major_outage', Nodes: 'degraded_performance' },
          },
          update(5, 'resolved'),
        ],
      });
      await s.saveIncidents([full]);
      expect(s.backend).toMatch(/^(sqlite|postgres)$/);
      expect(await s.getIncident(full.id)).toStrictEqual(full);
      expect(await s.getIncident('INC-9999')).toBeUndefined();
      // A second save of the same state changes nothing.
      await s.saveIncidents([snap(full)]);
      expect(await s.getIncident(full.id)).toStrictEqual(full);
    });

    it('appends timeline entries and status updates by position, never rewriting or deleting', async () => {
      const s = await openTracked(fresh());
      const i = incident(1);
      await s.saveIncidents([snap(i)]);
      i.timeline.push(entry(1), entry(2));
      i.updates.push(update(1));
      i.status = 'identified';
      await s.saveIncidents([snap(i)]);
      expect(await s.getIncident(i.id)).toStrictEqual(i);

      // A stale copy (shorter timeline, an edited entry) updates the state but not the record.
      const stale = snap(i);
      stale.timeline = [{ ...stale.timeline[0], text: 'rewritten' }];
      stale.updates = [];
      stale.status = 'monitoring';
      await s.saveIncidents([stale]);
      const got = await s.getIncident(i.id);
      expect(got?.status).toBe('monitoring');
      expect(got?.timeline).toStrictEqual(i.timeline);
      expect(got?.updates).toStrictEqual(i.updates);
    });

    it('lists incidents by status, opening time and limit, newest first', async () => {
      const s = await openTracked(fresh());
      const all = [
        incident(1, { status: 'resolved', resolvedAtMs: T0 + 200_000 }),
        incident(2, { status: 'monitoring' }),
        incident(3),
        incident(4, { status: 'identified' }),
      ];
      await s.saveIncidents(all);
      const ids = (list: Incident[]) => list.map((i) => i.id);
      expect(ids(await s.listIncidents())).toEqual(['INC-0004', 'INC-0003', 'INC-0002', 'INC-0001']);
      expect(ids(await s.listIncidents({ status: 'open' }))).toEqual(['INC-0004', 'INC-0003', 'INC-0002']);
      expect(ids(await s.listIncidents({ status: 'resolved' }))).toEqual(['INC-0001']);
      expect(ids(await s.listIncidents({ status: 'monitoring' }))).toEqual(['INC-0002']);
      expect(ids(await s.listIncidents({ openedSinceMs: all[2].openedAtMs }))).toEqual([
        'INC-0004',
        'INC-0003',
      ]);
      expect(ids(await s.listIncidents({ limit: 2 }))).toEqual(['INC-0004', 'INC-0003']);
      expect(ids(await s.listIncidents({ status: 'open', limit: 1 }))).toEqual(['INC-0004']);
      expect(await s.listIncidents({ limit: 0 })).toEqual([]);
      // Whole incidents, timelines included.
      expect((await s.listIncidents({ limit: 1 }))[0]).toStrictEqual(all[3]);
    });

    it('knows the last incident number', async () => {
      const s = await openTracked(fresh());
      expect(await s.lastIncidentSeq()).toBe(0);
      await s.saveIncidents([incident(7), incident(12), incident(3)]);
      expect(await s.lastIncidentSeq()).toBe(12);
    });

    it('records actions and lists them by window, oldest first', async () => {
      const s = await openTracked(fresh());
      const a2 = await s.addAction({ atMs: T0 + 2000, author: 'bob', text: 'scaled web to 0', via: 'ci' });
      const a1 = await s.addAction({ atMs: T0 + 1000, author: 'alice', text: 'kubectl drain aks-1' });
      const a3 = await s.addAction({ atMs: T0 + 3000, author: 'kubetriage', text: 'restarted coredns' });
      expect(new Set([a1.id, a2.id, a3.id]).size).toBe(3);
      expect(a1).toStrictEqual({ id: a1.id, atMs: T0 + 1000, author: 'alice', text: 'kubectl drain aks-1' });
      // The token that wrote it is kept beside the author it claimed.
      expect(a2.via).toBe('ci');
      expect(await s.listActions()).toStrictEqual([a1, a2, a3]);
      expect(await s.listActions({ fromMs: T0 + 2000 })).toStrictEqual([a2, a3]);
      expect(await s.listActions({ toMs: T0 + 2000 })).toStrictEqual([a1, a2]);
      expect(await s.listActions({ fromMs: T0 + 1500, toMs: T0 + 2500 })).toStrictEqual([a2]);
    });

    it('keeps one action when the same one is recorded again (a retried write)', async () => {
      const s = await openTracked(fresh());
      const first = await s.addAction({ atMs: T0, author: 'alice', text: 'kubectl drain aks-1' });
      const again = await s.addAction({ atMs: T0, author: 'alice', text: 'kubectl drain aks-1' });
      const later = await s.addAction({ atMs: T0 + 1, author: 'alice', text: 'kubectl drain aks-1' });
      expect(again).toStrictEqual(first);
      expect(await s.listActions()).toStrictEqual([first, later]);
    });

    it('upserts findings by key, keeping when each was first seen', async () => {
      const s = await openTracked(fresh());
      const web = hypothesis('crash-loop', {
        clusterLevel: false,
        blastRadius: { workloads: ['default/Deployment/web'] },
      });
      const api = hypothesis('image-pull', {
        clusterLevel: false,
        blastRadius: { workloads: ['default/Deployment/api'] },
      });
      await s.saveFindings([web, api], T0);
      const web2 = { ...web, statement: 'web restarted 9 times', confidence: 0.9 };
      await s.saveFindings([web2], T0 + 60_000);
      expect(await s.listFindings()).toStrictEqual([
        { key: findingKey(web), firstSeenMs: T0, lastSeenMs: T0 + 60_000, finding: web2 },
        { key: findingKey(api), firstSeenMs: T0, lastSeenMs: T0, finding: api },
      ]);
      expect((await s.listFindings({ sinceMs: T0 + 1 })).map((f) => f.key)).toEqual([findingKey(web)]);
      await s.saveFindings([], T0 + 120_000);
      expect(await s.listFindings()).toHaveLength(2);
    });

    it('keeps clusters apart on one database', async () => {
      const a = await openTracked(fresh());
      const b = await openTracked(fresh());
      expect(a.cluster).not.toBe(b.cluster);
      await a.saveIncidents([incident(1, { family: 'cluster-a' })]);
      await b.saveIncidents([incident(1, { family: 'cluster-b', timeline: [entry(0), entry(1)] })]);
      await a.addAction({ atMs: T0, author: 'a', text: 'on a' });
      await a.saveFindings([hypothesis('crash-loop')], T0);
      expect((await a.getIncident('INC-0001'))?.family).toBe('cluster-a');
      expect((await b.getIncident('INC-0001'))?.timeline).toHaveLength(2);
      expect((await a.getIncident('INC-0001'))?.timeline).toHaveLength(1);
      expect(await b.listIncidents()).toHaveLength(1);
      expect(await b.listActions()).toEqual([]);
      expect(await b.listFindings()).toEqual([]);
      await b.saveIncidents([incident(5)]);
      expect(await a.lastIncidentSeq()).toBe(1);
      expect(await b.lastIncidentSeq()).toBe(5);
      // Either store names both clusters (and maybe others the shared database holds).
      const clusters = await b.listClusters();
      expect(clusters).toEqual(
        expect.arrayContaining([
          { cluster: a.cluster, incidents: 1 },
          { cluster: b.cluster, incidents: 2 },
        ]),
      );
    });

    describeActionItemConformance(name, async (cluster, incidentIds) => {
      const s = await openTracked(cluster);
      await s.saveIncidents(incidentIds.map((id) => incident(Number(id.slice(4)))));
      return s;
    });

    it('keeps everything across close and reopen', async () => {
      const cluster = fresh();
      const s = await open(cluster);
      const i = incident(1, { timeline: [entry(0), entry(1)], updates: [update(0)] });
      await s.saveIncidents([i]);
      const item = await s.addActionItem(actionItem(i.id, 'Alert on kubelet heartbeats'));
      const act = await s.addAction({ atMs: T0, author: 'alice', text: 'drained' });
      await s.saveFindings([hypothesis('crash-loop')], T0);
      await s.close();
      const again = await openTracked(cluster);
      expect(await again.getIncident(i.id)).toStrictEqual(i);
      expect(await again.listActions()).toStrictEqual([act]);
      expect(await again.listActionItems(i.id)).toStrictEqual([item]);
      expect(await again.listFindings()).toHaveLength(1);
      expect(await again.lastIncidentSeq()).toBe(1);
      // And appends continue where the record ended.
      i.timeline.push(entry(2));
      await again.saveIncidents([i]);
      expect((await again.getIncident(i.id))?.timeline).toStrictEqual(i.timeline);
    });

    it('loses and interleaves nothing when saves run concurrently', async () => {
      const s = await openTracked(fresh());
      // One incident saved at every length of its growing timeline, all at once, plus
      // others each saved with its own growing copies, in overlapping batches.
      const grow = incident(1);
      const snaps: Incident[] = [];
      for (let k = 1; k <= 20; k++) {
        grow.timeline.push(entry(k, { text: `grow ${k}` }));
        if (k % 4 === 0) grow.updates.push(update(k));
        grow.updatedAtMs = T0 + k;
        snaps.push(snap(grow));
      }
      const others = [2, 3, 4, 5].map((seq) => incident(seq));
      const batches: Incident[][] = [];
      for (let k = 1; k <= 10; k++) {
        for (const o of others) o.timeline.push(entry(k, { text: `${o.id} ${k}` }));
        batches.push(others.map(snap));
      }
      // Reversed and mixed so that later states often start before earlier ones.
      await Promise.all([
        ...snaps.reverse().map((i) => s.saveIncidents([i])),
        ...batches.map((b, k) => s.saveIncidents(k % 2 ? b : [...b].reverse())),
      ]);
      const got = await s.getIncident(grow.id);
      expect(got?.timeline).toStrictEqual(grow.timeline);
      expect(got?.updates).toStrictEqual(grow.updates);
      for (const o of others) expect((await s.getIncident(o.id))?.timeline).toStrictEqual(o.timeline);
      const acts = await Promise.all(
        Array.from({ length: 20 }, (_, k) => s.addAction({ atMs: T0 + k, author: 'x', text: `a${k}` })),
      );
      expect(new Set(acts.map((a) => a.id)).size).toBe(20);
      expect(await s.listActions()).toHaveLength(20);
    });

    it('keeps maintenances whole, upserted by id, earliest window first, per cluster', async () => {
      const cluster = fresh();
      const s = await openTracked(cluster);
      const later = maintenance(2, { scheduledForMs: T0 + 7_200_000, scheduledUntilMs: T0 + 9_000_000 });
      const first = maintenance(1);
      await s.saveMaintenance(later);
      await s.saveMaintenance(first);
      expect(await s.listMaintenances()).toStrictEqual([first, later]);
      // It moves on: status and a new update, saved again under the same id.
      const started: Maintenance = {
        ...first,
        status: 'in_progress',
        updates: [
          ...first.updates,
          { atMs: T0 + 3_600_000, status: 'in_progress', message: 'started', author: 'kubetriage' },
        ],
      };
      await s.saveMaintenance(started);
      expect(await s.listMaintenances()).toStrictEqual([started, later]);
      expect(await (await openTracked(fresh())).listMaintenances()).toStrictEqual([]);
      await s.close();
      expect(await (await openTracked(cluster)).listMaintenances()).toStrictEqual([started, later]);
    });

    it('adds subscribers once per endpoint, lists them oldest first and removes them', async () => {
      const cluster = fresh();
      const s = await openTracked(cluster);
      const hook = subscriber('sub-000000000001', 'webhook', 'https://example.com/hook?key=s3cret', 1);
      const mail = subscriber('sub-000000000002', 'email', 'ops@example.com', 2);
      expect(await s.addSubscriber(mail)).toStrictEqual(mail);
      expect(await s.addSubscriber(hook)).toStrictEqual(hook);
      // The same endpoint again (a second click, a retried write): the first subscription.
      expect(await s.addSubscriber({ ...hook, id: 'sub-000000000003', createdAtMs: T0 + 9 })).toStrictEqual(
        hook,
      );
      // The same address as a webhook would be another kind: not the same subscription.
      const concurrent = await Promise.all(
        [4, 5, 6].map((k) =>
          s.addSubscriber(subscriber(`sub-00000000000${k}`, 'email', 'noc@example.com', 5)),
        ),
      );
      expect(new Set(concurrent.map((x) => x.id)).size).toBe(1);
      expect((await s.listSubscribers()).map((x) => x.id)).toStrictEqual([
        hook.id,
        mail.id,
        concurrent[0].id,
      ]);
      expect(await s.removeSubscriber(hook.id)).toBe(true);
      expect(await s.removeSubscriber(hook.id)).toBe(false);
      await s.close();
      const again = await openTracked(cluster);
      expect(await again.listSubscribers()).toStrictEqual([mail, concurrent[0]]);
      expect(await (await openTracked(fresh())).listSubscribers()).toStrictEqual([]);
    });

    it.runIf(hooks.corruptIncidentBody)(
      'reports a corrupt incident row as a StoreError naming it',
      async () => {
        const cluster = fresh();
        const s = await openTracked(cluster);
        await s.saveIncidents([incident(1), incident(2)]);
        await hooks.corruptIncidentBody?.(cluster, 'INC-0002');
        const err = await s.getIncident('INC-0002').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StoreError);
        expect((err as StoreError).message).toContain('INC-0002');
        expect((err as StoreError).hint).toBeTruthy();
        await expect(s.listIncidents()).rejects.toBeInstanceOf(StoreError);
        // The healthy row is still readable.
        expect((await s.getIncident('INC-0001'))?.id).toBe('INC-0001');
      },
    );
  });
}

export function actionItem(
  incidentId: string,
  text: string,
  over: Partial<NewActionItem> = {},
): NewActionItem {
  return { incidentId, text, type: 'prevent', atMs: T0 + 3_600_000, author: 'alice', ...over };
}

/**
 * Opens a fresh action-item store for `cluster` holding the incidents `incidentIds` (an item
 * belongs to a stored incident). Tests within one cluster open it once.
 */
export type OpenActionItems = (cluster: string, incidentIds: string[]) => Promise<ActionItemStore>;

/**
 * The action-item part of the store's behaviour, on its own so that the desk's in-memory
 * list (for a serve or demo without a store) is held to the same rules as the databases.
 */
export function describeActionItemConformance(name: string, open: OpenActionItems): void {
  describe(`ActionItemStore conformance: ${name}`, () => {
    let n = 0;
    const fresh = () => `items-${++n}-${Math.floor(Math.random() * 1e9)}`;

    it('adds items with who added them, lists them oldest first, per incident', async () => {
      const s = await open(fresh(), ['INC-0001', 'INC-0002']);
      expect(await s.listActionItems('INC-0001')).toEqual([]);
      const a = await s.addActionItem(
        actionItem('INC-0001', 'Alert on kubelet heartbeats', {
          type: 'detect',
          owner: 'team-nodes',
          dueDate: '2024-04-01',
          via: 'laptop-alice',
        }),
      );
      const b = await s.addActionItem(actionItem('INC-0001', 'Pin the node image', { atMs: T0 + 7_200_000 }));
      const other = await s.addActionItem(actionItem('INC-0002', 'Pin the node image'));
      expect(a).toStrictEqual({
        id: a.id,
        incidentId: 'INC-0001',
        text: 'Alert on kubelet heartbeats',
        type: 'detect',
        owner: 'team-nodes',
        dueDate: '2024-04-01',
        status: 'open',
        createdAtMs: T0 + 3_600_000,
        createdBy: 'alice',
        createdVia: 'laptop-alice',
        updatedAtMs: T0 + 3_600_000,
        updatedBy: 'alice',
        updatedVia: 'laptop-alice',
      });
      // Nothing unset comes back as a key: a round trip gives back exactly what was added.
      expect(Object.keys(b)).not.toContain('owner');
      expect(Object.keys(b)).not.toContain('dueDate');
      expect(Object.keys(b)).not.toContain('createdVia');
      expect(new Set([a.id, b.id, other.id]).size).toBe(3);
      expect(await s.listActionItems('INC-0001')).toStrictEqual([a, b]);
      expect(await s.listActionItems('INC-0002')).toStrictEqual([other]);
    });

    it('keeps one item per text: the same one added again is the stored one', async () => {
      const s = await open(fresh(), ['INC-0001']);
      const first = await s.addActionItem(actionItem('INC-0001', 'Pin the node image'));
      const again = await s.addActionItem(
        actionItem('INC-0001', 'Pin the node image', { author: 'bob', atMs: T0 + 9_000_000 }),
      );
      expect(again).toStrictEqual(first);
      expect(await s.listActionItems('INC-0001')).toHaveLength(1);
    });

    it('edits owner, due date, status, type and text in place, recording who changed it last', async () => {
      const s = await open(fresh(), ['INC-0001']);
      const a = await s.addActionItem(
        actionItem('INC-0001', 'Pin the node image', { owner: 'alice', dueDate: '2024-04-01', via: 'ci' }),
      );
      const at = T0 + 86_400_000;
      const edited = await s.updateActionItem('INC-0001', a.id, {
        owner: 'team-nodes',
        dueDate: '2024-05-15',
        status: 'done',
        type: 'mitigate',
        text: 'Pin the node image in the pool template',
        atMs: at,
        author: 'bob',
      });
      // bob sent an unnamed token: the token that wrote the item first is no longer the last.
      const { updatedVia: _, ...asAdded } = a;
      expect(edited).toStrictEqual({
        ...asAdded,
        owner: 'team-nodes',
        dueDate: '2024-05-15',
        status: 'done',
        type: 'mitigate',
        text: 'Pin the node image in the pool template',
        updatedAtMs: at,
        updatedBy: 'bob',
      });
      expect(edited?.createdVia).toBe('ci');
      expect(await s.listActionItems('INC-0001')).toStrictEqual([edited]);
      // Fields left out stay; null clears.
      const cleared = await s.updateActionItem('INC-0001', a.id, {
        owner: null,
        dueDate: null,
        atMs: at + 1,
        author: 'carol',
        via: 'desk',
      });
      expect(cleared?.status).toBe('done');
      expect(cleared && ('owner' in cleared || 'dueDate' in cleared)).toBe(false);
      expect(cleared?.updatedVia).toBe('desk');
      expect(await s.listActionItems('INC-0001')).toStrictEqual([cleared]);
    });

    it('refuses an edit to a text another item has, and changes nothing', async () => {
      const s = await open(fresh(), ['INC-0001']);
      const a = await s.addActionItem(actionItem('INC-0001', 'Pin the node image'));
      const b = await s.addActionItem(actionItem('INC-0001', 'Alert on kubelet heartbeats'));
      const err = await s
        .updateActionItem('INC-0001', b.id, { text: a.text, owner: 'x', atMs: T0, author: 'bob' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DuplicateActionItemError);
      expect(await s.listActionItems('INC-0001')).toStrictEqual([a, b]);
      // Its own text again is no conflict.
      expect(
        (await s.updateActionItem('INC-0001', b.id, { text: b.text, atMs: T0, author: 'bob' }))?.text,
      ).toBe(b.text);
    });

    it('finds an item only under its own incident, and deletes it once', async () => {
      const s = await open(fresh(), ['INC-0001', 'INC-0002']);
      const a = await s.addActionItem(actionItem('INC-0001', 'Pin the node image'));
      const b = await s.addActionItem(actionItem('INC-0001', 'Alert on kubelet heartbeats'));
      expect(await s.updateActionItem('INC-0002', a.id, { status: 'done', atMs: T0, author: 'x' })).toBe(
        undefined,
      );
      expect(await s.updateActionItem('INC-0001', a.id + b.id + 1000, { atMs: T0, author: 'x' })).toBe(
        undefined,
      );
      expect(await s.deleteActionItem('INC-0002', a.id)).toBe(false);
      expect(await s.deleteActionItem('INC-0001', a.id)).toBe(true);
      expect(await s.deleteActionItem('INC-0001', a.id)).toBe(false);
      expect(await s.listActionItems('INC-0001')).toStrictEqual([b]);
      // Deleted, its text is free again.
      const again = await s.addActionItem(actionItem('INC-0001', 'Pin the node image'));
      expect(again.id).not.toBe(a.id);
    });

    it('keeps clusters apart', async () => {
      const a = await open(fresh(), ['INC-0001']);
      const b = await open(fresh(), ['INC-0001']);
      await a.addActionItem(actionItem('INC-0001', 'Pin the node image'));
      expect(await b.listActionItems('INC-0001')).toEqual([]);
    });
  });
}
