/**
 * Load on the API server: what its clients ask for, what that costs, and how API Priority
 * and Fairness shares it out. Clients are steady flows (every kubelet renews its lease
 * every 10 s, a monitoring agent on each node lists pods every 30 s, a misbehaving
 * controller lists every pod in the cluster every second), so load grows with the cluster;
 * requests actually served (kubectl, kubetriage) are classified and admitted against it.
 *
 * Cost follows the request: a GET or a write takes one seat for milliseconds; a LIST takes
 * a seat per 100 objects it reads, up to 10 (APF's list work estimator, `maximumSeats`),
 * for as long as reading them takes, so a cluster-wide LIST of pods costs more on a big
 * cluster. A priority level's demand (seat-seconds per second) against its seats (nominal
 * plus what other levels lend) is its utilization u. Below 1 requests wait a little
 * longer as u grows; above it the share 1 − 1/u of arrivals finds its queues full and is
 * rejected with 429, and the rest wait in queue. This is a steady-state approximation of
 * APF's fair queuing, not a replay of it; everything here is O(1) per request and O(flows)
 * per change or scrape.
 */
import type { Clock } from '../../time/clock.ts';
import {
  classify,
  defaultPriorityLevels,
  type FlowRequest,
  type FlowSchemaDef,
  nominalSeats,
  type PriorityLevelDef,
  type RequestUser,
} from './apf.ts';
import type { ApiServerMetrics } from './apiserver-metrics.ts';

export type ClientVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface ClientFlow {
  /** What the operator would call it: the user agent's product. */
  name: string;
  user: RequestUser;
  userAgent: string;
  verb: ClientVerb;
  group: string;
  version: string;
  resource: string;
  /** Namespaced requests name one; cluster-wide lists leave it out. */
  namespace?: string;
  /** Page size of its lists; unpaginated when unset. */
  limit?: number;
  /** Requests per second now (may follow the cluster's size). */
  rate: () => number;
}

export interface Cost {
  seats: number;
  seconds: number;
}

const objectsPerSeat = 100;
const maximumSeats = 10;
/** How fast an apiserver reads objects out of etcd and encodes them. */
const objectsPerSecond = 50_000;

/** The seats and service time of one request (APF's work estimator, simplified). */
export function costOf(verb: ClientVerb | 'watch', objects: number): Cost {
  if (verb === 'list') {
    return {
      seats: Math.min(maximumSeats, Math.max(1, Math.ceil(objects / objectsPerSeat))),
      seconds: 0.003 + objects / objectsPerSecond,
    };
  }
  if (verb === 'get' || verb === 'watch') return { seats: 1, seconds: 0.004 };
  return { seats: 1, seconds: 0.012 };
}

export interface LevelState {
  level: PriorityLevelDef;
  demand: number;
  capacity: number;
  utilization: number;
  /** Share of arrivals rejected because the queues are full. */
  rejectShare: number;
  /** Seconds an admitted request waits in queue. */
  waitSeconds: number;
}

/** How long an admitted request waits, as utilization grows (capped at APF's 15 s queue wait). */
function waitFor(u: number): number {
  if (u < 1) return Math.min(1, (0.01 * u) / (1 - u));
  return Math.min(15, 0.5 + 2 * (u - 1));
}

interface FlowEntry {
  flow: ClientFlow;
  flowSchema: FlowSchemaDef;
  level: PriorityLevelDef;
  /** Whole requests not yet counted (fractions carried between scrapes). */
  carry: { served: number; rejected: number };
}

export class ApiLoad {
  private readonly clock: Clock;
  private readonly count: (resource: string, group: string, namespace?: string) => number;
  private readonly flows = new Set<FlowEntry>();
  private states = new Map<string, LevelState>();
  private computedAt = Number.NEGATIVE_INFINITY;
  private integratedAt: number;
  /** No replica is serving: nothing is dispatched or rejected, only refused at the door. */
  private suspended = false;

  constructor(o: { clock: Clock; count: (resource: string, group: string, namespace?: string) => number }) {
    this.clock = o.clock;
    this.count = o.count;
    this.integratedAt = o.clock.now();
  }

  /** Adds a client; returns what removes it. */
  add(flow: ClientFlow, metrics?: ApiServerMetrics): () => void {
    if (metrics) this.integrate(metrics);
    const { flowSchema, priorityLevel } = classify(flow.user, {
      verb: flow.verb,
      group: flow.group,
      resource: flow.resource,
      namespace: flow.namespace,
      path: '',
    });
    const entry: FlowEntry = { flow, flowSchema, level: priorityLevel, carry: { served: 0, rejected: 0 } };
    this.flows.add(entry);
    this.computedAt = Number.NEGATIVE_INFINITY;
    return () => {
      if (metrics) this.integrate(metrics);
      this.flows.delete(entry);
      this.computedAt = Number.NEGATIVE_INFINITY;
    };
  }

  private costFor(f: ClientFlow): Cost {
    const objects = f.verb === 'list' ? this.count(f.resource, f.group, f.namespace) : 1;
    return costOf(f.verb, f.limit ? Math.min(f.limit, objects) : objects);
  }

  /** A flow's rate changed: recompute the levels at the next question. */
  levelsChanged(): void {
    this.computedAt = Number.NEGATIVE_INFINITY;
  }

  /** Each priority level's state now (recomputed at most once per virtual second). */
  levels(): Map<string, LevelState> {
    const now = this.clock.now();
    if (now - this.computedAt < 1000) return this.states;
    this.computedAt = now;
    const demand = new Map<string, number>();
    for (const e of this.flows) {
      if (e.flow.verb === 'watch') continue;
      const c = this.costFor(e.flow);
      demand.set(e.level.name, (demand.get(e.level.name) ?? 0) + e.flow.rate() * c.seats * c.seconds);
    }
    const limited = defaultPriorityLevels.filter((p) => !p.exempt);
    const totalNominal = limited.reduce((n, p) => n + nominalSeats(p), 0);
    // What levels do not use of their lendable seats is shared among all, by nominal size.
    let pool = 0;
    for (const p of limited) {
      const nominal = nominalSeats(p);
      pool += Math.max(0, Math.min((nominal * p.lendablePercent) / 100, nominal - (demand.get(p.name) ?? 0)));
    }
    const states = new Map<string, LevelState>();
    for (const p of defaultPriorityLevels) {
      const d = demand.get(p.name) ?? 0;
      const nominal = nominalSeats(p);
      const own = Math.max(0, Math.min((nominal * p.lendablePercent) / 100, nominal - d));
      const capacity = p.exempt
        ? Number.POSITIVE_INFINITY
        : nominal + Math.max(0, pool - own) * (nominal / totalNominal);
      const u = p.exempt ? 0 : d / capacity;
      states.set(p.name, {
        level: p,
        demand: d,
        capacity,
        utilization: u,
        rejectShare: u > 1 ? 1 - 1 / u : 0,
        waitSeconds: p.exempt ? 0 : waitFor(u),
      });
    }
    this.states = states;
    return states;
  }

  /** Where a served request lands, and what its level's state means for it. */
  admit(user: RequestUser, r: FlowRequest): { flowSchema: FlowSchemaDef; state: LevelState } {
    const { flowSchema, priorityLevel } = classify(user, r);
    return { flowSchema, state: this.levels().get(priorityLevel.name)! };
  }

  /**
   * Objects the LISTs executing now are reading and encoding: a LIST assembles its whole
   * response in memory before sending any of it, so this is what they hold. APF caps the
   * seats they take, not this (one seat per 100 objects, at most 10): the longer the lists,
   * the more memory each seat holds.
   */
  listObjectsInFlight(): number {
    if (this.suspended) return 0;
    const states = this.levels();
    let objects = 0;
    for (const e of this.flows) {
      if (e.flow.verb !== 'list') continue;
      const s = states.get(e.level.name)!;
      const c = this.costFor(e.flow);
      const all = this.count(e.flow.resource, e.flow.group, e.flow.namespace);
      const read = e.flow.limit ? Math.min(e.flow.limit, all) : all;
      objects += e.flow.rate() * (1 - s.rejectShare) * c.seconds * read;
    }
    return objects;
  }

  /** Every replica is down (or back): while down, the flows' requests are neither served nor rejected. */
  suspend(down: boolean, m?: ApiServerMetrics): void {
    if (down === this.suspended) return;
    if (m) this.integrate(m);
    this.suspended = down;
  }

  /** Adds the flows' requests since the last call to the metrics (as a scrape would see them). */
  integrate(m: ApiServerMetrics): void {
    const now = this.clock.now();
    const dt = this.suspended ? 0 : (now - this.integratedAt) / 1000;
    this.integratedAt = now;
    const states = this.levels();
    const inflight = { readOnly: 0, mutating: 0 };
    for (const e of this.flows) {
      const f = e.flow;
      const s = states.get(e.level.name)!;
      const c = this.costFor(f);
      const rate = f.rate();
      const kind = f.verb === 'get' || f.verb === 'list' || f.verb === 'watch' ? 'readOnly' : 'mutating';
      if (f.verb !== 'watch') inflight[kind] += rate * (1 - s.rejectShare) * (c.seconds + s.waitSeconds);
      if (dt <= 0 || f.verb === 'watch') continue;
      e.carry.served += rate * dt * (1 - s.rejectShare);
      e.carry.rejected += rate * dt * s.rejectShare;
      const served = Math.floor(e.carry.served);
      const rejected = Math.floor(e.carry.rejected);
      e.carry.served -= served;
      e.carry.rejected -= rejected;
      const labels = requestLabels(f);
      const fl = { flow_schema: e.flowSchema.name, priority_level: e.level.name };
      if (served > 0) {
        m.inc('apiserver_request_total', { ...labels, code: f.verb === 'create' ? '201' : '200' }, served);
        m.observe('apiserver_request_duration_seconds', labels, c.seconds + s.waitSeconds, served);
        m.inc('apiserver_flowcontrol_dispatched_requests_total', fl, served);
        m.observe(
          'apiserver_flowcontrol_request_wait_duration_seconds',
          { ...fl, execute: 'true' },
          s.waitSeconds,
          served,
        );
        const op = etcdOperation(f.verb);
        const type = f.group ? `${f.resource}.${f.group}` : f.resource;
        m.observe('etcd_request_duration_seconds', { operation: op, type }, c.seconds * 0.6, served);
        m.inc('etcd_requests_total', { operation: op, type }, served);
      }
      if (rejected > 0) {
        m.inc('apiserver_request_total', { ...labels, code: '429' }, rejected);
        m.inc('apiserver_flowcontrol_rejected_requests_total', { ...fl, reason: 'queue-full' }, rejected);
      }
    }
    for (const s of states.values()) {
      if (s.level.exempt) continue;
      m.set(
        'apiserver_flowcontrol_nominal_limit_seats',
        { priority_level: s.level.name },
        nominalSeats(s.level),
      );
    }
    for (const e of this.flows) {
      const s = states.get(e.level.name)!;
      const fl = { flow_schema: e.flowSchema.name, priority_level: e.level.name };
      const share = s.demand > 0 ? Math.min(1, s.capacity / s.demand) : 1;
      const c = this.costFor(e.flow);
      const seats = e.flow.verb === 'watch' ? 0 : e.flow.rate() * c.seats * c.seconds * share;
      m.set('apiserver_flowcontrol_current_executing_seats', fl, Math.round(seats));
      m.set('apiserver_flowcontrol_current_inqueue_requests', fl, Math.round(e.flow.rate() * s.waitSeconds));
    }
    m.set('apiserver_current_inflight_requests', { request_kind: 'readOnly' }, Math.round(inflight.readOnly));
    m.set('apiserver_current_inflight_requests', { request_kind: 'mutating' }, Math.round(inflight.mutating));
  }
}

/** The verb apiserver metrics report (endpoints/metrics cleanVerb): LIST, GET, WATCH, POST, PUT, PATCH, DELETE. */
export function reportedVerb(verb: ClientVerb | 'apply'): string {
  const map: Record<string, string> = {
    get: 'GET',
    list: 'LIST',
    watch: 'WATCH',
    create: 'POST',
    update: 'PUT',
    patch: 'PATCH',
    apply: 'APPLY',
    delete: 'DELETE',
  };
  return map[verb];
}

function requestLabels(f: ClientFlow): Record<string, string> {
  const scope =
    f.verb === 'list' || f.verb === 'watch' ? (f.namespace ? 'namespace' : 'cluster') : 'resource';
  return {
    component: 'apiserver',
    dry_run: '',
    group: f.group,
    resource: f.resource,
    scope,
    subresource: '',
    verb: reportedVerb(f.verb),
    version: f.version,
  };
}

function etcdOperation(verb: ClientVerb): string {
  if (verb === 'list') return 'listWithCount';
  if (verb === 'patch') return 'update';
  return verb;
}
