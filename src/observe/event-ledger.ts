/**
 * What the view remembers of Kubernetes Events, kept as they arrive so that no detector
 * rescans every Event each round: one small record per Event object of a family worth
 * reading (event-families.ts) and every Warning, indexed by family, with its involved
 * object, count and first/last time; and a count per reason of everything, routine and
 * unknown reasons included. Records outlive the API server's one-hour Event TTL (an
 * Event that expired still happened) and are bounded: the least recently updated go first.
 *
 * The aggregated count is the Event's own (`count`, or `series.count` for events.k8s.io
 * series); a repeat bumps it on the same object, so a record is replaced, not added.
 */
import type { KubeObject } from '../kube/observations.ts';
import { type EventClass, type EventFamily, eventClass } from './event-families.ts';

export type { EventFamily } from './event-families.ts';

export interface EventRecord {
  /** `namespace/name` of the Event object. */
  key: string;
  /** `unknown` for a Warning whose reason is in no family (kept to be shown, not read by rules). */
  family: EventFamily | 'unknown';
  reason: string;
  /** `Normal` or `Warning`. */
  type: string;
  /** The involved object. Node events have an empty namespace. */
  kind: string;
  namespace: string;
  name: string;
  /** e.g. `spec.containers{app}`. */
  fieldPath: string;
  message: string;
  count: number;
  firstMs: number;
  lastMs: number;
  /** Who reported it (`kubelet`, `default-scheduler`…) and from where (the node, for the kubelet). */
  component: string;
  host: string;
}

export interface ReasonTally {
  reason: string;
  type: string;
  class: EventClass;
  /** Occurrences (sum of counts) since the view started. */
  count: number;
  /** Event objects seen. */
  events: number;
  lastMs: number;
}

interface EventView {
  involvedObject?: { kind?: string; namespace?: string; name?: string; fieldPath?: string };
  reason?: string;
  message?: string;
  type?: string;
  source?: { component?: string; host?: string };
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
  reportingComponent?: string;
  reportingInstance?: string;
}

function ms(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const v = Date.parse(text);
  return Number.isFinite(v) ? v : undefined;
}

/** At most this many distinct reasons are tallied; a flood of made-up reasons cannot grow it. */
const reasonLimit = 2_000;

export class EventLedger {
  private readonly records = new Map<string, EventRecord>();
  private readonly byFamily = new Map<EventRecord['family'], Map<string, EventRecord>>();
  private readonly tallies = new Map<string, ReasonTally>();
  /** Count already tallied per Event object, so a re-list or a repeat adds only the increase. */
  private readonly counted = new Map<string, number>();
  private readonly limit: number;
  /** Trimmed in batches of this many, so trimming costs little per record. */
  private readonly slack: number;
  /** Records dropped because the ledger was full. */
  dropped = 0;

  constructor(limit = 20_000) {
    this.limit = Math.max(1, limit);
    this.slack = Math.max(1, Math.floor(this.limit / 10));
  }

  record(object: KubeObject, atMs: number): void {
    const e = object as KubeObject & EventView;
    const key = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    const reason = e.reason ?? '';
    const message = e.message ?? '';
    const component = e.source?.component || e.reportingComponent || '';
    const count = Math.max(1, e.series?.count ?? e.count ?? 1);
    const lastMs =
      ms(e.series?.lastObservedTime) ??
      ms(e.lastTimestamp) ??
      ms(e.eventTime) ??
      ms(e.firstTimestamp) ??
      atMs;
    const firstMs = ms(e.firstTimestamp) ?? ms(e.eventTime) ?? lastMs;
    const cls = eventClass(reason, message, component);
    this.tally(key, reason, e.type ?? '', cls, count, lastMs);
    if (cls === 'routine' || (cls === 'unknown' && e.type !== 'Warning')) return;
    this.put({
      key,
      family: cls,
      reason,
      type: e.type ?? '',
      kind: e.involvedObject?.kind ?? '',
      namespace: e.involvedObject?.namespace ?? '',
      name: e.involvedObject?.name ?? '',
      fieldPath: e.involvedObject?.fieldPath ?? '',
      message,
      count,
      firstMs: Math.min(firstMs, lastMs),
      lastMs,
      component,
      host: e.source?.host || e.reportingInstance || '',
    });
  }

  private put(rec: EventRecord): void {
    const old = this.records.get(rec.key);
    if (old) {
      this.records.delete(rec.key);
      this.byFamily.get(old.family)?.delete(rec.key);
    }
    this.records.set(rec.key, rec);
    let fam = this.byFamily.get(rec.family);
    if (!fam) {
      fam = new Map();
      this.byFamily.set(rec.family, fam);
    }
    fam.set(rec.key, rec);
    if (this.records.size > this.limit + this.slack) this.trim();
  }

  /**
   * Drops the least recently updated records down to the limit, in one pass: looking for the
   * oldest entry once per record would walk the holes earlier deletions left in the Map.
   */
  private trim(): void {
    let excess = this.records.size - this.limit;
    for (const [key, r] of this.records) {
      if (excess-- <= 0) break;
      this.records.delete(key);
      this.byFamily.get(r.family)?.delete(key);
      this.dropped++;
    }
  }

  private tally(
    key: string,
    reason: string,
    type: string,
    cls: EventClass,
    count: number,
    lastMs: number,
  ): void {
    const before = this.counted.get(key);
    const added = before === undefined ? count : Math.max(0, count - before);
    if (before === undefined || count > before) this.counted.set(key, count);
    if (this.counted.size > this.limit * 2 + this.slack) {
      let excess = this.counted.size - this.limit * 2;
      for (const k of this.counted.keys()) {
        if (excess-- <= 0) break;
        this.counted.delete(k);
      }
    }
    const id = `${type}/${reason}`;
    let t = this.tallies.get(id);
    if (!t) {
      if (this.tallies.size >= reasonLimit) return;
      t = { reason, type, class: cls, count: 0, events: 0, lastMs };
      this.tallies.set(id, t);
    }
    t.count += added;
    if (before === undefined) t.events++;
    t.lastMs = Math.max(t.lastMs, lastMs);
  }

  /** The kept records of one family (or the unknown warnings), least recently updated first. */
  family(f: EventRecord['family']): Iterable<EventRecord> {
    return this.byFamily.get(f)?.values() ?? [];
  }

  /** Every reason seen, with its class and how often. */
  reasons(): ReasonTally[] {
    return [...this.tallies.values()];
  }

  get size(): number {
    return this.records.size;
  }
}
