/**
 * Turns check results into the node's conditions, per docs/node-agent-report.md §1: network
 * checks go `True` after 3 consecutive failures and `False` after one success; any check
 * goes `Unknown` after 3 runs that could not look; `lastTransitionTime` moves only with the
 * status and is the time of the check that moved it; `since` is the first failure of the
 * streak. It decides *when* to write (within 1 s of a status or reason change, coalesced;
 * a message-only change at most 60 s after the last write; a heartbeat every 5 min) and
 * which transitions become events. The writing itself is the sink's.
 */
import { parseAgentMessage } from '../kube/agent-message.ts';
import { agentConditionTypes } from '../kube/node-agent-conditions.ts';
import { type Clock, rfc3339, type Timer } from '../time/clock.ts';
import type { Check, CheckResult, ConditionStatus } from './check.ts';
import { conditionMessage, type Field, formatValue } from './logfmt.ts';

export interface AgentCondition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface Transition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  /** When the check that saw it started. */
  atMs: number;
}

export interface ReportSink {
  /** PATCH nodes/<n>/status with these conditions (heartbeat = now) and deletions. Throws on failure. */
  writeConditions(conditions: AgentCondition[], deleteTypes: string[], nowMs: number): Promise<WriteOutcome>;
  /** A condition's (status, reason) changed: an event to deliver (queued by the sink). */
  transition(t: Transition): void;
}

/** What a failed write means for the next attempt (contract §5). */
export type WriteOutcome = 'written' | 'retry' | 'wait-for-change' | 'node-gone';

const networkFailureThreshold = 3;
const unrunnableThreshold = 3;
const coalesceMs = 1_000;
const messageRefreshMs = 60_000;
const heartbeatMs = 5 * 60_000;
const retryMinMs = 1_000;
const retryMaxMs = 30_000;
const nodeGoneRetryMs = 30_000;

interface TypeState {
  kind: Check['kind'];
  current?: AgentCondition;
  failStreak: number;
  failSinceMs?: number;
  errorStreak: number;
  errorSinceMs?: number;
  /** The last message built and what it was built from: most runs see what the last one saw. */
  built?: { summary: string; groups: readonly (readonly Field[])[]; message: string };
}

/** Whether two results' fields are the same, key for key and value for value. */
function sameGroups(a: readonly (readonly Field[])[], b: readonly (readonly Field[])[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const [ga, gb] = [a[i], b[i]];
    if (ga.length !== gb.length) return false;
    for (let j = 0; j < ga.length; j++) if (ga[j][0] !== gb[j][0] || ga[j][1] !== gb[j][1]) return false;
  }
  return true;
}

/** The condition message for a result, built again only when its summary or fields moved. */
function messageOf(st: TypeState, summary: string, groups: readonly (readonly Field[])[]): string {
  const b = st.built;
  if (b && b.summary === summary && sameGroups(b.groups, groups)) return b.message;
  const message = conditionMessage(summary, groups);
  st.built = { summary, groups, message };
  return message;
}

export interface ReporterOptions {
  clock: Clock;
  sink: ReportSink;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** A condition appeared or its status, reason or transition time moved: worth keeping (state volume). */
  onChange?: () => void;
}

/**
 * What a restart starts from, per type: the Node's condition, unless the state volume holds a
 * later transition the Node never received (written while the API was unreachable) or the
 * Node has none of that type. The Node stays the record of everything it was told.
 */
export function seedConditions(
  onNode: readonly AgentCondition[],
  stored: readonly AgentCondition[],
): AgentCondition[] {
  const seeds = new Map(onNode.map((c) => [c.type, c]));
  for (const s of stored) {
    const n = seeds.get(s.type);
    const storedMs = Date.parse(s.lastTransitionTime);
    const nodeMs = n ? Date.parse(n.lastTransitionTime) : Number.NaN;
    if (!Number.isFinite(storedMs)) continue;
    // Same time, other reason: a reason change the Node missed (it moves no transition time).
    const later =
      !n ||
      !Number.isFinite(nodeMs) ||
      storedMs > nodeMs ||
      (storedMs === nodeMs && (s.status !== n.status || s.reason !== n.reason));
    if (later) seeds.set(s.type, s);
  }
  return [...seeds.values()];
}

/** When a seeded `True` condition's streak began: its `since` field, else its transition time. */
function streakStartMs(c: AgentCondition): number | undefined {
  const since = Date.parse(parseAgentMessage(c.message).fields.since ?? '');
  if (Number.isFinite(since)) return since;
  const transition = Date.parse(c.lastTransitionTime);
  return Number.isFinite(transition) ? transition : undefined;
}

export class Reporter {
  private readonly o: ReporterOptions;
  private readonly types = new Map<string, TypeState>();
  /** What the Node showed at start: kept when our first result agrees (no reset, no event). */
  private readonly seeded = new Map<string, AgentCondition>();
  private deleteTypes: string[] = [];
  private lastWriteMs = Number.NEGATIVE_INFINITY;
  private urgent = false;
  private messageChanged = false;
  private retryAtMs: number | undefined;
  private retryDelayMs = retryMinMs;
  private timer: Timer | undefined;
  private timerAtMs = Number.POSITIVE_INFINITY;
  private writing: Promise<void> | undefined;
  private stopped = false;
  writes = 0;

  constructor(o: ReporterOptions) {
    this.o = o;
  }

  /**
   * The checks this agent runs, the Node's conditions as it found them at start, and those the
   * state volume kept (seedConditions decides between the two).
   */
  start(
    checks: readonly Pick<Check, 'type' | 'kind' | 'resume'>[],
    onNode: readonly AgentCondition[],
    stored: readonly AgentCondition[] = [],
  ): void {
    for (const c of checks) this.types.set(c.type, { kind: c.kind, failStreak: 0, errorStreak: 0 });
    for (const seed of seedConditions(onNode, stored)) {
      const st = this.types.get(seed.type);
      if (!st) continue;
      this.seeded.set(seed.type, seed);
      // A restart in the middle of a failure streak carries it on: `since` is what detectors read.
      const sinceMs = seed.status === 'True' ? streakStartMs(seed) : undefined;
      if (sinceMs === undefined) continue;
      if (st.kind === 'network') {
        st.failStreak = networkFailureThreshold;
        st.failSinceMs = sinceMs;
      } else checks.find((c) => c.type === seed.type)?.resume?.(sinceMs);
    }
    // An agent started without a check deletes that condition; only the contract's types are ours (§2).
    const owned = new Set<string>(agentConditionTypes);
    this.deleteTypes = onNode.map((c) => c.type).filter((t) => owned.has(t) && !this.types.has(t));
    if (this.deleteTypes.length) this.urgent = true;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** Whether any check has a condition yet (asked after every run: no list is built for it). */
  private hasConditions(): boolean {
    for (const s of this.types.values()) if (s.current) return true;
    return false;
  }

  conditions(): AgentCondition[] {
    return [...this.types.values()].flatMap((s) => (s.current ? [s.current] : []));
  }

  /** What a restart should start from: each type's condition, or its seed while it has not run yet. */
  remembered(): AgentCondition[] {
    return [...this.types.entries()].flatMap(([type, s]) => {
      const c = s.current ?? this.seeded.get(type);
      return c ? [c] : [];
    });
  }

  /** One check's outcome: a result, or the error that kept it from looking. */
  record(type: string, startedMs: number, outcome: { result: CheckResult } | { error: string }): void {
    const st = this.types.get(type);
    if (!st || this.stopped) return;
    let next: Omit<AgentCondition, 'lastTransitionTime'> | undefined;
    if ('error' in outcome) {
      st.errorStreak++;
      st.errorSinceMs ??= startedMs;
      if (st.errorStreak >= unrunnableThreshold)
        next = {
          type,
          status: 'Unknown',
          reason: 'CheckError',
          message: `check could not run; error=${formatValue(outcome.error)} since=${rfc3339(st.errorSinceMs)}`,
        };
    } else {
      st.errorStreak = 0;
      st.errorSinceMs = undefined;
      const r = outcome.result;
      if (r.status === 'True') {
        st.failStreak++;
        st.failSinceMs ??= startedMs;
        const debounced = st.kind === 'network' && st.failStreak < networkFailureThreshold;
        if (!debounced) {
          const groups =
            st.kind === 'network'
              ? [
                  ...r.groups
                    .slice(0, 1)
                    .map((g) => [...g, ['since', rfc3339(st.failSinceMs ?? startedMs)] as const]),
                  ...r.groups.slice(1),
                ]
              : r.groups;
          next = { type, status: 'True', reason: r.reason, message: messageOf(st, r.summary, groups) };
        }
      } else {
        st.failStreak = 0;
        st.failSinceMs = undefined;
        next = { type, status: 'False', reason: r.reason, message: messageOf(st, r.summary, r.groups) };
      }
    }
    if (next) this.apply(st, next, startedMs);
  }

  private apply(st: TypeState, next: Omit<AgentCondition, 'lastTransitionTime'>, atMs: number): void {
    const seeded = this.seeded.get(next.type);
    this.seeded.delete(next.type);
    const prev = st.current ?? seeded;
    if (prev && prev.status === next.status && prev.reason === next.reason && prev.message === next.message) {
      // A seed confirmed by the first check is written promptly too: that write is the
      // restarted agent's first heartbeat, and it delivers the outbox kept across the restart.
      if (!st.current) this.urgent = true;
      st.current = prev;
      this.schedule();
      return;
    }
    const statusChanged = prev?.status !== next.status;
    st.current = {
      ...next,
      lastTransitionTime: statusChanged || !prev ? rfc3339(atMs) : prev.lastTransitionTime,
    };
    const reasonChanged = statusChanged || prev?.reason !== next.reason;
    // No event when a condition first appears healthy or unknown (contract §4).
    if (reasonChanged && (prev || next.status === 'True'))
      this.o.sink.transition({
        type: next.type,
        status: next.status,
        reason: next.reason,
        message: next.message,
        atMs,
      });
    if (reasonChanged || !prev) {
      this.urgent = true;
      this.o.onChange?.();
    } else this.messageChanged = true;
    this.schedule();
  }

  /** When the next write is due, given what changed since the last one. */
  private dueAtMs(): number {
    const now = this.o.clock.now();
    if (this.retryAtMs !== undefined) return this.retryAtMs;
    if (!this.hasConditions() && !this.deleteTypes.length) return Number.POSITIVE_INFINITY;
    if (this.urgent) return now + coalesceMs;
    if (this.messageChanged) return Math.max(now, this.lastWriteMs + messageRefreshMs);
    return this.lastWriteMs + heartbeatMs;
  }

  private schedule(): void {
    if (this.stopped || this.writing) return;
    const due = this.dueAtMs();
    if (!Number.isFinite(due)) return;
    // Coalesce: an earlier timer already armed covers this change too.
    if (this.timer && this.timerAtMs <= due) return;
    this.timer?.cancel();
    this.timerAtMs = due;
    this.timer = this.o.clock.after(due - this.o.clock.now(), () => {
      this.timer = undefined;
      this.timerAtMs = Number.POSITIVE_INFINITY;
      this.writing = this.flush().finally(() => {
        this.writing = undefined;
        this.schedule();
      });
    });
  }

  /** Writes now (tests, shutdown); waits for a write already under way. */
  async flushNow(): Promise<void> {
    await this.writing;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAtMs = Number.POSITIVE_INFINITY;
    this.writing = this.flush().finally(() => {
      this.writing = undefined;
    });
    await this.writing;
    this.schedule();
  }

  private async flush(): Promise<void> {
    const conditions = this.conditions();
    if (!conditions.length && !this.deleteTypes.length) return;
    const now = this.o.clock.now();
    const urgent = this.urgent;
    const messages = this.messageChanged;
    this.urgent = false;
    this.messageChanged = false;
    let outcome: WriteOutcome;
    try {
      outcome = await this.o.sink.writeConditions(conditions, this.deleteTypes, now);
    } catch (err) {
      this.o.log?.('condition write failed', { error: (err as Error).message });
      outcome = 'retry';
    }
    if (outcome === 'written') {
      this.writes++;
      this.lastWriteMs = now;
      this.deleteTypes = [];
      this.retryAtMs = undefined;
      this.retryDelayMs = retryMinMs;
      return;
    }
    if (outcome === 'retry' || outcome === 'node-gone') {
      this.urgent ||= urgent;
      this.messageChanged ||= messages;
      const delay = outcome === 'node-gone' ? nodeGoneRetryMs : this.retryDelayMs;
      this.retryDelayMs = Math.min(retryMaxMs, this.retryDelayMs * 2);
      this.retryAtMs = this.o.clock.now() + delay;
      return;
    }
    // Another 4xx: resend only after the next change; the heartbeat counts from now.
    this.retryAtMs = undefined;
    this.lastWriteMs = now;
  }
}
