/**
 * The pipeline after the view, one round at a time: every detector over the view, every
 * failure pattern over the signals, the incident tracker over the diagnosis. `scan`,
 * `watch` and `replay` all run exactly this, live or in virtual time.
 */
import { detectAll } from '../detect/all.ts';
import type { Signal } from '../detect/signal.ts';
import { type Diagnosis, diagnose } from '../diagnose/diagnose.ts';
import { type IncidentChange, IncidentTracker, type TrackerOptions } from '../incident/tracker.ts';
import type { ClusterView } from '../observe/cluster-view.ts';

export interface Round {
  atMs: number;
  signals: Signal[];
  diagnosis: Diagnosis;
  changes: IncidentChange[];
}

export class Pipeline {
  readonly tracker: IncidentTracker;
  last: Round | undefined;

  constructor(o: TrackerOptions = {}) {
    this.tracker = new IncidentTracker(o);
  }

  round(view: ClusterView, nowMs: number): Round {
    const signals = detectAll(view, nowMs);
    const diagnosis = diagnose(signals, nowMs);
    const changes = this.tracker.update(diagnosis, nowMs, signals);
    this.last = { atMs: nowMs, signals, diagnosis, changes };
    return this.last;
  }
}
