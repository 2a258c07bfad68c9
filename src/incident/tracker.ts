/**
 * Turns each round of diagnosis into incidents. A cluster-level hypothesis that holds for
 * two rounds in a row opens an incident for its family (or updates the open one); new
 * evidence and a change of top hypothesis are added to the timeline; the status moves to
 * Identified once the top hypothesis is confident, to Monitoring when its signals clear,
 * back when they return, and to Resolved after a quiet period. Single-workload findings
 * are kept apart, at their own severity. Kept in memory: `takeDirty()` hands what changed
 * to whoever persists it, and `restore()` picks the record up again after a restart.
 */

import type { Signal } from '../detect/signal.ts';
import type { Diagnosis } from '../diagnose/diagnose.ts';
import { fmtTime, type Hypothesis } from '../diagnose/hypothesis.ts';
import { noteDegraded, troubled } from './degraded.ts';
import {
  familyOf,
  type Incident,
  type IncidentStatus,
  provisionalFamilies,
  type StatusUpdate,
  worse,
} from './incident.ts';
import { changeEntries } from './observed-changes.ts';
import { lostSight } from './sight.ts';

export interface TrackerOptions {
  /** A hypothesis at least this confident may open an incident. */
  openAt?: number;
  /** The incident is Identified once its top hypothesis is this confident. */
  identifyAt?: number;
  /** Rounds a hypothesis must hold before it opens an incident (flicker guard). */
  holdRounds?: number;
  /**
   * Quiet time before Resolved, at most. A short episode that cleared once needs only as
   * long as it lasted (at least `resolveAtLeastMs`); one that came back needs all of it.
   */
  resolveAfterMs?: number;
  /** The least quiet time before Resolved. */
  resolveAtLeastMs?: number;
  /**
   * The same root cause coming back within this long reopens its incident instead of
   * opening a new one: sparse recurring failures are one story, not a series.
   */
  reopenWithinMs?: number;
  /**
   * An identified incident's top hypothesis gives way to another only after the other has
   * led for this long (hysteresis): nodes flapping must not flip the diagnosis each round.
   */
  switchAfterMs?: number;
  /** ...and only to one at least this much more confident, while the incumbent still holds. */
  switchMargin?: number;
  /** Signals quiet this long before an incident moves to Monitoring (no flapping status). */
  monitorAfterMs?: number;
}

export interface IncidentChange {
  incident: Incident;
  what: 'opened' | 'updated' | 'status';
}

export class IncidentTracker {
  private readonly o: Required<TrackerOptions>;
  private readonly byId = new Map<string, Incident>();
  private readonly pending = new Map<string, { rounds: number; sinceMs: number }>();
  private readonly quietSince = new Map<string, number>();
  /** Per incident: the pattern that would take over its top, and since when it leads. */
  private readonly challengers = new Map<string, { pattern: string; sinceMs: number }>();
  private seq = 0;
  private readonly dirtyIds = new Set<string>();
  /**
   * Families resolved by hand while their signals still showed: a person decided it is
   * over (the workloads moved away, say), so the same signals must not reopen it at once.
   * They may again once the family has been quiet for a round.
   */
  private readonly closedByHand = new Set<string>();
  /** The latest single-workload findings, by pattern and workload. */
  findings: Hypothesis[] = [];

  constructor(o: TrackerOptions = {}) {
    this.o = {
      openAt: o.openAt ?? 0.5,
      identifyAt: o.identifyAt ?? 0.7,
      holdRounds: o.holdRounds ?? 2,
      resolveAfterMs: o.resolveAfterMs ?? 15 * 60_000,
      resolveAtLeastMs: Math.min(o.resolveAtLeastMs ?? 5 * 60_000, o.resolveAfterMs ?? 15 * 60_000),
      reopenWithinMs: o.reopenWithinMs ?? 6 * 60 * 60_000,
      switchAfterMs: o.switchAfterMs ?? 5 * 60_000,
      switchMargin: o.switchMargin ?? 0.05,
      monitorAfterMs: o.monitorAfterMs ?? 3 * 60_000,
    };
  }

  incidents(): Incident[] {
    return [...this.byId.values()];
  }

  get(id: string): Incident | undefined {
    return this.byId.get(id);
  }

  /**
   * Picks the record up after a restart or a takeover: the stored incidents (open ones
   * continue, recently resolved ones can reopen) and the last id used, so new ids never collide.
   */
  restore(incidents: readonly Incident[], lastSeq: number): void {
    // Streaks from an earlier term (a replica that led before) describe rounds the record
    // never saw: start them afresh, as a new process would.
    this.pending.clear();
    this.quietSince.clear();
    this.closedByHand.clear();
    for (const i of incidents) this.byId.set(i.id, i);
    this.seq = Math.max(this.seq, lastSeq);
  }

  /** Incidents changed since the last call, for the store. */
  takeDirty(): Incident[] {
    const out = [...this.dirtyIds].map((id) => this.byId.get(id)).filter((i): i is Incident => !!i);
    this.dirtyIds.clear();
    return out;
  }

  open(): Incident[] {
    return this.incidents().filter((i) => i.status !== 'resolved');
  }

  /**
   * One round. `signals`, when given, lets open incidents record the cluster changes seen
   * around them (rollouts, node versions, nodes joining and leaving): the response and
   * what preceded it, as the cluster itself shows them.
   */
  update(d: Diagnosis, nowMs: number, signals: readonly Signal[] = []): IncidentChange[] {
    this.findings = d.findings;
    const changes: IncidentChange[] = [];
    const topByFamily = new Map<string, Hypothesis[]>();
    for (const h of d.hypotheses) {
      if (h.confidence < this.o.openAt || h.severity === 'info') continue;
      const f = familyOf(h);
      topByFamily.set(f, [...(topByFamily.get(f) ?? []), h]);
    }
    for (const family of this.closedByHand) if (!topByFamily.has(family)) this.closedByHand.delete(family);
    // Named causes first: they adopt provisional incidents that a weaker story opened.
    const families = [...topByFamily.keys()].sort((a, b) => provisionalRank(a) - provisionalRank(b));
    const present = new Set<string>();
    /** Families whose trouble another hypothesis showed this round (held or read as an alternative). */
    const troubledFamilies = new Set<string>();
    for (const family of families) {
      const ranked = topByFamily.get(family)!;
      if (this.closedByHand.has(family)) continue;
      const top = ranked[0];
      const runnerUp = d.hypotheses.find((h) => h !== top);
      // A named cause this round explains the trouble; a placeholder story adds nothing.
      if (provisionalFamilies.has(family) && families.some((f) => !provisionalFamilies.has(f))) continue;
      const current = this.open().find((i) => i.family === family);
      if (!current && provisionalFamilies.has(family)) {
        // Trouble no named cause explains, while an incident is open for the same signals:
        // that incident's trouble goes on; it is not a second story.
        const holder = this.holderOf(top);
        if (holder) {
          present.add(holder.family);
          if (troubled(top, signals)) troubledFamilies.add(holder.family);
          continue;
        }
      }
      if (!current) {
        // A weaker reading of trouble an open incident already holds (DNS failing, read as
        // failing DNS beside the incident that says why it fails) is that incident's
        // alternative, shown as its runner-up, not a second incident.
        const holder = this.alternativeOf(top, family);
        if (holder) {
          present.add(holder.family);
          if (troubled(top, signals)) troubledFamilies.add(holder.family);
          continue;
        }
      }
      present.add(family);
      if (current) {
        present.add(current.family);
        const changed = this.refresh(current, top, ranked, runnerUp, nowMs);
        if (changed) changes.push({ incident: current, what: changed });
        continue;
      }
      const held = this.pending.get(family) ?? { rounds: 0, sinceMs: nowMs };
      held.rounds++;
      this.pending.set(family, held);
      if (held.rounds < this.o.holdRounds) continue;
      this.pending.delete(family);
      const adopted = this.adopt(family, top, nowMs);
      if (adopted) {
        const changed = this.refresh(adopted, top, ranked, runnerUp, nowMs);
        changes.push({ incident: adopted, what: changed ?? 'updated' });
        continue;
      }
      const recent = this.incidents().find(
        (i) =>
          i.family === family &&
          i.status === 'resolved' &&
          i.top.pattern === top.pattern &&
          nowMs - (i.resolvedAtMs ?? 0) <= this.reopenWindow(top),
      );
      if (recent) {
        recent.resolvedAtMs = undefined;
        this.setStatus(recent, 'investigating', nowMs, 'it came back');
        this.refresh(recent, top, ranked, runnerUp, nowMs);
        changes.push({ incident: recent, what: 'status' });
        continue;
      }
      const opened = this.openIncident(family, top, runnerUp, nowMs);
      opened.detectedAtMs = held.sinceMs;
      changes.push({ incident: opened, what: 'opened' });
    }
    for (const family of [...this.pending.keys()]) if (!topByFamily.has(family)) this.pending.delete(family);
    for (const family of present) this.quietSince.delete(family);
    // Blind (the API server silent, or nodes no longer watched): absence of signals is no
    // news, so nothing is declared cleared or resolved until sight comes back.
    const blind = lostSight(signals) !== undefined;
    for (const i of this.open()) {
      if (present.has(i.family)) continue;
      if (blind) {
        this.quietSince.delete(i.family);
        continue;
      }
      const since = this.quietSince.get(i.family) ?? nowMs;
      this.quietSince.set(i.family, since);
      if (i.status !== 'monitoring') {
        if (nowMs - since < this.quietNeeded(i, nowMs)) continue;
        this.setStatus(
          i,
          'monitoring',
          nowMs,
          `the signals behind it have been clear since ${fmtTime(since)}`,
        );
        changes.push({ incident: i, what: 'status' });
      } else if (nowMs - since >= this.quietBeforeResolved(i, since)) {
        this.setStatus(i, 'resolved', nowMs, `quiet for ${Math.round((nowMs - since) / 60_000)} min`);
        i.resolvedAtMs = nowMs;
        this.quietSince.delete(i.family);
        this.challengers.delete(i.id);
        changes.push({ incident: i, what: 'status' });
      }
    }
    // Impact follows the symptoms, not the status (degraded.ts). Blind, trouble seen is
    // still trouble (an API server that does not answer is the symptom), but its absence is
    // no news: a period ends only on a round that can see, or with the incident.
    for (const i of this.incidents()) {
      const on =
        i.status !== 'resolved' &&
        present.has(i.family) &&
        (troubledFamilies.has(i.family) || troubled(i.top, signals));
      if (blind && !on && i.status !== 'resolved') continue;
      if (noteDegraded(i, on, nowMs)) this.dirtyIds.add(i.id);
    }
    for (const i of this.open()) {
      const fresh = changeEntries(i, signals);
      if (fresh.length === 0) continue;
      i.timeline.push(...fresh);
      this.dirtyIds.add(i.id);
    }
    for (const c of changes) this.dirtyIds.add(c.incident.id);
    return changes;
  }

  /** An operator's note or an action taken, on the incident's timeline. */
  note(
    id: string,
    text: string,
    o: { atMs: number; kind?: 'note' | 'action'; author?: string; via?: string },
  ): Incident {
    const i = this.mustGet(id);
    const { atMs, kind = 'note', author = 'operator', via } = o;
    i.timeline.push({ atMs, kind, text, author, ...(via ? { via } : {}) });
    i.updatedAtMs = Math.max(i.updatedAtMs, atMs);
    this.dirtyIds.add(id);
    return i;
  }

  /**
   * A status set by hand (an operator declares it resolved, or back to investigating).
   * Detection still runs: a root cause still showing after a manual resolve reopens it.
   */
  setStatusByHand(id: string, status: IncidentStatus, atMs: number, author: string, why: string): Incident {
    const i = this.mustGet(id);
    if (i.status === status) return i;
    this.setStatus(i, status, atMs, `${why} (set by ${author})`);
    i.resolvedAtMs = status === 'resolved' ? atMs : undefined;
    if (status === 'resolved') this.closedByHand.add(i.family);
    else {
      this.closedByHand.delete(i.family);
      this.quietSince.delete(i.family);
    }
    this.dirtyIds.add(id);
    return i;
  }

  /** A public status-page update on the incident. */
  postUpdate(id: string, u: StatusUpdate): Incident {
    const i = this.mustGet(id);
    i.updates.push(u);
    i.updatedAtMs = Math.max(i.updatedAtMs, u.atMs);
    this.dirtyIds.add(id);
    return i;
  }

  /**
   * A failure that recurs at the same time of day (a `periodic-onset` among its signals)
   * comes back a day later: one story across the days, as the real team's incident was.
   */
  private reopenWindow(top: Hypothesis): number {
    const periodic = top.signals.some((k) => k.startsWith('periodic-onset '));
    return periodic ? Math.max(this.o.reopenWithinMs, 26 * 3_600_000) : this.o.reopenWithinMs;
  }

  private mustGet(id: string): Incident {
    const i = this.byId.get(id);
    if (!i) throw new UnknownIncidentError(id);
    return i;
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
      rootCause: top,
      topSince: { [top.pattern]: nowMs },
      timeline: [
        {
          atMs: nowMs,
          kind: 'opened',
          text: `${top.title} (${Math.round(top.confidence * 100)}%): ${top.statement}`,
        },
      ],
      signals: [],
      updates: [],
    };
    this.byId.set(id, i);
    this.addSignals(i, top, nowMs);
    if (top.confidence >= this.o.identifyAt && !provisionalFamilies.has(family))
      this.setStatus(i, 'identified', nowMs, `top hypothesis: ${top.title}`);
    return i;
  }

  /**
   * How long the signals must stay clear before Monitoring: longer each time they came back
   * within the last hour, so a cause that comes and goes does not flip the status (and the
   * public page) every few minutes. Never longer than the quiet period before Resolved.
   */
  private quietNeeded(i: Incident, nowMs: number): number {
    const flaps = returns(i).filter((r) => r.flapping && r.atMs >= nowMs - flappingWithinMs).length;
    return Math.min(this.o.resolveAfterMs, this.o.monitorAfterMs * 6 ** flaps);
  }

  /**
   * How long the signals must stay clear before Resolved. An episode that cleared on its own
   * and never came back is watched for as long as it lasted (a three-minute blip while a node
   * rebooted is over after a few quiet minutes, and a page that says otherwise misleads);
   * a long outage, or one that came back within the hour after clearing, is watched for the
   * whole quiet period, as recurrence is what the watching is for. An episode hours after the
   * last is measured from its own return.
   */
  private quietBeforeResolved(i: Incident, quietSinceMs: number): number {
    const back = returns(i);
    if (back.some((r) => r.flapping && r.atMs >= quietSinceMs - flappingWithinMs))
      return this.o.resolveAfterMs;
    const lasted = quietSinceMs - (back.at(-1)?.atMs ?? i.detectedAtMs ?? i.openedAtMs);
    return Math.min(this.o.resolveAfterMs, Math.max(this.o.resolveAtLeastMs, lasted));
  }

  /**
   * A provisional incident ("cause not identified", or a change with no mechanism yet) is
   * the same trouble a named cause now explains: the named family takes it over.
   */
  private adopt(family: string, top: Hypothesis, nowMs: number): Incident | undefined {
    const rank = provisionalRank(family);
    const held = this.open()
      .filter((i) => provisionalRank(i.family) < rank)
      .sort(
        (a, b) => provisionalRank(a.family) - provisionalRank(b.family) || a.openedAtMs - b.openedAtMs,
      )[0];
    if (!held) return undefined;
    held.timeline.push({
      atMs: nowMs,
      kind: 'hypothesis',
      text: `cause identified: ${top.title} (${Math.round(top.confidence * 100)}%), was ${held.top.title}`,
    });
    this.quietSince.delete(held.family);
    held.family = family;
    this.dirtyIds.add(held.id);
    return held;
  }

  /**
   * The open incident of another family that `h` only re-reads: it holds at least half of
   * `h`'s signals and is at least as sure of its own cause, while `h` is not confident.
   * A confident cause of its own still opens its incident.
   */
  private alternativeOf(h: Hypothesis, family: string): Incident | undefined {
    if (h.confidence >= this.o.identifyAt || h.signals.length === 0) return undefined;
    return this.open().find(
      (i) =>
        i.family !== family &&
        !provisionalFamilies.has(i.family) &&
        i.top.confidence >= h.confidence &&
        h.signals.filter((k) => i.signals.includes(k)).length * 2 >= h.signals.length,
    );
  }

  /** The open incident a provisional hypothesis belongs to: the one sharing most of its signals. */
  private holderOf(h: Hypothesis): Incident | undefined {
    let best: { i: Incident; shared: number } | undefined;
    for (const i of this.open()) {
      if (provisionalFamilies.has(i.family)) continue;
      const shared = h.signals.filter((k) => i.signals.includes(k)).length;
      if (shared > 0 && (!best || shared > best.shared)) best = { i, shared };
    }
    return best?.i;
  }

  /**
   * The top an incident shows this round. A tentative top gives way at once to a more
   * confident one; an identified top only to one that has led for `switchAfterMs` and, while
   * the incumbent still holds, beats it by `switchMargin`.
   */
  private settledTop(i: Incident, top: Hypothesis, ranked: readonly Hypothesis[], nowMs: number): Hypothesis {
    const incumbent = i.top;
    if (top.pattern === incumbent.pattern) {
      this.challengers.delete(i.id);
      return top;
    }
    const established =
      incumbent.confidence >= this.o.identifyAt && !provisionalFamilies.has(familyOf(incumbent));
    if (!established) {
      this.challengers.delete(i.id);
      return top;
    }
    const still = ranked.find((h) => h.pattern === incumbent.pattern);
    const ch = this.challengers.get(i.id);
    if (!ch || ch.pattern !== top.pattern) {
      this.challengers.set(i.id, { pattern: top.pattern, sinceMs: nowMs });
      return still ?? incumbent;
    }
    const ledLongEnough = nowMs - ch.sinceMs >= this.o.switchAfterMs;
    const clearlyBetter = !still || top.confidence >= still.confidence + this.o.switchMargin - 1e-9;
    if (ledLongEnough && clearlyBetter) {
      this.challengers.delete(i.id);
      return top;
    }
    return still ?? incumbent;
  }

  private refresh(
    i: Incident,
    challenger: Hypothesis,
    ranked: readonly Hypothesis[],
    runnerUp: Hypothesis | undefined,
    nowMs: number,
  ): 'updated' | 'status' | undefined {
    let changed: 'updated' | 'status' | undefined;
    const top = this.settledTop(i, challenger, ranked, nowMs);
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
    i.rootCause = strongest(i.rootCause, top);
    i.runnerUp = top === challenger ? runnerUp : challenger;
    i.severity = worse(i.severity, top.severity);
    i.updatedAtMs = nowMs;
    const named = !provisionalFamilies.has(familyOf(top));
    const want: IncidentStatus =
      named && top.confidence >= this.o.identifyAt ? 'identified' : 'investigating';
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
    this.dirtyIds.add(i.id);
    i.timeline.push({
      atMs: nowMs,
      kind: 'status',
      text: `${i.status} → ${status} at ${fmtTime(nowMs)}: ${why}`,
    });
    i.status = status;
    i.updatedAtMs = nowMs;
  }
}

/** Signals back this soon after they cleared mean a cause that comes and goes. */
const flappingWithinMs = 3_600_000;

/**
 * The times an incident's signals came back after clearing (in Monitoring, or after
 * Resolved), each flapping when it came within the hour after the status it ended.
 */
function returns(i: Incident): { atMs: number; flapping: boolean }[] {
  const statuses = i.timeline.filter((e) => e.kind === 'status');
  return statuses.flatMap((e, k) =>
    e.text.endsWith(': the signals are back') || e.text.endsWith(': it came back')
      ? [{ atMs: e.atMs, flapping: k > 0 && e.atMs - statuses[k - 1].atMs < flappingWithinMs }]
      : [],
  );
}

export class UnknownIncidentError extends Error {
  readonly id: string;
  constructor(id: string) {
    super(`no incident ${id}`);
    this.name = 'UnknownIncidentError';
    this.id = id;
  }
}

/** unknown < change < any named family: who may adopt whose incident. */
function provisionalRank(family: string): number {
  return family === 'unknown' ? 0 : family === 'change' ? 1 : 2;
}

/** The better-established root cause: a new pattern must be more confident to take over. */
function strongest(current: Hypothesis | undefined, top: Hypothesis): Hypothesis {
  if (!current) return top;
  // A named cause always outranks the placeholder it replaced.
  if (provisionalFamilies.has(familyOf(current)) && !provisionalFamilies.has(familyOf(top))) return top;
  if (top.pattern === current.pattern) return top.confidence >= current.confidence ? top : current;
  return top.confidence > current.confidence ? top : current;
}
