/**
 * Turns each round of diagnosis into incidents. A cluster-level hypothesis that holds for
 * two rounds in a row opens an incident for its family (or updates the open one); new
 * evidence and a change of top hypothesis are added to the timeline; the status moves to
 * Identified once the top hypothesis is confident, to Monitoring when its signals clear,
 * back when they return, and to Resolved after a quiet period. Single-workload findings
 * are kept apart, at their own severity. Kept in memory; the store persists it later.
 */
import type { Diagnosis } from '../diagnose/diagnose.ts';
import { fmtTime, type Hypothesis } from '../diagnose/hypothesis.ts';
import { familyOf, type Incident, type IncidentStatus, worse } from './incident.ts';

export interface TrackerOptions {
  /** A hypothesis at least this confident may open an incident. */
  openAt?: number;
  /** The incident is Identified once its top hypothesis is this confident. */
  identifyAt?: number;
  /** Rounds a hypothesis must hold before it opens an incident (flicker guard). */
  holdRounds?: number;
  /** Quiet time in Monitoring before Resolved. */
  resolveAfterMs?: number;
  /**
   * The same root cause coming back within this long reopens its incident instead of
   * opening a new one: sparse recurring failures are one story, not a series.
   */
  reopenWithinMs?: number;
}

export interface IncidentChange {
  incident: Incident;
  what: 'opened' | 'updated' | 'status';
}

export class IncidentTracker {
  private readonly o: Required<TrackerOptions>;
  private readonly byId = new Map<string, Incident>();
  private readonly pending = new Map<string, number>();
  private readonly quietSince = new Map<string, number>();
  private seq = 0;
  /** The latest single-workload findings, by pattern and workload. */
  findings: Hypothesis[] = [];

  constructor(o: TrackerOptions = {}) {
    this.o = {
      openAt: o.openAt ?? 0.5,
      identifyAt: o.identifyAt ?? 0.7,
      holdRounds: o.holdRounds ?? 2,
      resolveAfterMs: o.resolveAfterMs ?? 15 * 60_000,
      reopenWithinMs: o.reopenWithinMs ?? 6 * 60 * 60_000,
    };
  }

  incidents(): Incident[] {
    return [...this.byId.values()];
  }

  open(): Incident[] {
    return this.incidents().filter((i) => i.status !== 'resolved');
  }

  update(d: Diagnosis, nowMs: number): IncidentChange[] {
    this.findings = d.findings;
    const changes: IncidentChange[] = [];
    const topByFamily = new Map<string, Hypothesis[]>();
    for (const h of d.hypotheses) {
      if (h.confidence < this.o.openAt || h.severity === 'info') continue;
      const f = familyOf(h.pattern);
      topByFamily.set(f, [...(topByFamily.get(f) ?? []), h]);
    }
    for (const [family, ranked] of topByFamily) {
      const current = this.open().find((i) => i.family === family);
      const top = ranked[0];
      const runnerUp = d.hypotheses.find((h) => h !== top);
      this.quietSince.delete(family);
      if (current) {
        const changed = this.refresh(current, top, runnerUp, nowMs);
        if (changed) changes.push({ incident: current, what: changed });
        continue;
      }
      const held = (this.pending.get(family) ?? 0) + 1;
      this.pending.set(family, held);
      if (held < this.o.holdRounds) continue;
      this.pending.delete(family);
      const recent = this.incidents().find(
        (i) =>
          i.family === family &&
          i.status === 'resolved' &&
          i.top.pattern === top.pattern &&
          nowMs - (i.resolvedAtMs ?? 0) <= this.o.reopenWithinMs,
      );
      if (recent) {
        recent.resolvedAtMs = undefined;
        this.setStatus(recent, 'investigating', nowMs, 'it came back');
        this.refresh(recent, top, runnerUp, nowMs);
        changes.push({ incident: recent, what: 'status' });
        continue;
      }
      changes.push({ incident: this.openIncident(family, top, runnerUp, nowMs), what: 'opened' });
    }
    for (const family of [...this.pending.keys()]) if (!topByFamily.has(family)) this.pending.delete(family);
    for (const i of this.open()) {
      if (topByFamily.has(i.family)) continue;
      const since = this.quietSince.get(i.family) ?? nowMs;
      this.quietSince.set(i.family, since);
      if (i.status !== 'monitoring') {
        this.setStatus(i, 'monitoring', nowMs, 'the signals behind it have cleared');
        changes.push({ incident: i, what: 'status' });
      } else if (nowMs - since >= this.o.resolveAfterMs) {
        this.setStatus(i, 'resolved', nowMs, `quiet for ${Math.round((nowMs - since) / 60_000)} min`);
        i.resolvedAtMs = nowMs;
        this.quietSince.delete(i.family);
        changes.push({ incident: i, what: 'status' });
      }
    }
    return changes;
  }

  /** An operator's note or an action taken, on the incident's timeline. */
  note(id: string, text: string, atMs: number, kind: 'note' | 'action' = 'note'): void {
    const i = this.byId.get(id);
    if (!i) throw new Error(`no incident ${id}`);
    i.timeline.push({ atMs, kind, text });
    i.updatedAtMs = atMs;
  }

  private openIncident(
    family: string,
    top: Hypothesis,
    runnerUp: Hypothesis | undefined,
    nowMs: number,
  ): Incident {
    const id = `INC-${String(++this.seq).padStart(4, '0')}`;
    const i: Incident = {
      id,
      family,
      status: 'investigating',
      severity: top.severity,
      openedAtMs: nowMs,
      updatedAtMs: nowMs,
      top,
      runnerUp,
      topSince: { [top.pattern]: nowMs },
      timeline: [
        {
          atMs: nowMs,
          kind: 'opened',
          text: `${top.title} (${Math.round(top.confidence * 100)}%): ${top.statement}`,
        },
      ],
      signals: [],
    };
    this.byId.set(id, i);
    this.addSignals(i, top, nowMs);
    if (top.confidence >= this.o.identifyAt)
      this.setStatus(i, 'identified', nowMs, `top hypothesis: ${top.title}`);
    return i;
  }

  private refresh(
    i: Incident,
    top: Hypothesis,
    runnerUp: Hypothesis | undefined,
    nowMs: number,
  ): 'updated' | 'status' | undefined {
    let changed: 'updated' | 'status' | undefined;
    if (top.pattern !== i.top.pattern) {
      i.timeline.push({
        atMs: nowMs,
        kind: 'hypothesis',
        text: `top hypothesis now ${top.title} (${Math.round(top.confidence * 100)}%), was ${i.top.title}`,
      });
      i.topSince[top.pattern] ??= nowMs;
      changed = 'updated';
    }
    if (this.addSignals(i, top, nowMs)) changed ??= 'updated';
    i.top = top;
    i.runnerUp = runnerUp;
    i.severity = worse(i.severity, top.severity);
    i.updatedAtMs = nowMs;
    const want: IncidentStatus = top.confidence >= this.o.identifyAt ? 'identified' : 'investigating';
    if (i.status !== want && !(i.status === 'identified' && want === 'investigating')) {
      this.setStatus(
        i,
        want,
        nowMs,
        i.status === 'monitoring' ? 'the signals are back' : `top hypothesis: ${top.title}`,
      );
      changed = 'status';
    }
    return changed;
  }

  private addSignals(i: Incident, h: Hypothesis, nowMs: number): boolean {
    const fresh = h.signals.filter((k) => !i.signals.includes(k));
    for (const k of fresh) i.timeline.push({ atMs: nowMs, kind: 'signal', text: k });
    i.signals.push(...fresh);
    return fresh.length > 0;
  }

  private setStatus(i: Incident, status: IncidentStatus, nowMs: number, why: string): void {
    i.timeline.push({
      atMs: nowMs,
      kind: 'status',
      text: `${i.status} → ${status} at ${fmtTime(nowMs)}: ${why}`,
    });
    i.status = status;
    i.updatedAtMs = nowMs;
  }
}
