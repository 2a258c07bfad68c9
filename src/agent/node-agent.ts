/**
 * The node agent: runs each check on its own timer with its own timeout (a check that hangs
 * never delays another check or a write), hands what they saw to the reporter, and writes
 * the node's conditions and events through whichever API path works. At start it reads the
 * Node once, and takes back what the state volume kept (conditions the Node never received,
 * the undelivered events), so a restart neither resets transition times nor repeats or loses
 * events. Watches with no condition (host changes) add their events to the same outbox.
 */
import { ApiRequestError } from '../kube/api-client.ts';
import { agentConditionTypes } from '../kube/node-agent-conditions.ts';
import { type Clock, rfc3339, type Timer } from '../time/clock.ts';
import { goDuration } from '../time/go-duration.ts';
import { every } from '../time/virtual-clock.ts';
import type { AgentState } from './agent-state.ts';
import type { ApiPaths } from './api-paths.ts';
import type { Check, EventWatch } from './check.ts';
import { CheckNotRun } from './check.ts';
import { NodeEvents } from './node-events.ts';
import { type AgentCondition, Reporter, type Transition, type WriteOutcome } from './reporter.ts';

/** States an operator may choose on purpose: their events are Normal even when True. */
const quietTypes = new Set(['AutomaticUpgradeScheduled', 'RebootRequired']);

export interface NodeAgentOptions {
  node: string;
  clock: Clock;
  checks: Check[];
  api: Pick<ApiPaths, 'getJson' | 'send'>;
  /** Watches that only emit events (KernelChanged, OSImageChanged); run before the first checks. */
  watches?: EventWatch[];
  /** The state volume; without it a restart starts from the Node alone. */
  state?: AgentState;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

interface NodeObject {
  status?: { conditions?: (Partial<AgentCondition> & { type: string })[] };
}

export class NodeAgent {
  private readonly o: NodeAgentOptions;
  readonly reporter: Reporter;
  readonly events: NodeEvents;
  private readonly timers: Timer[] = [];
  private readonly inFlight = new Set<string>();
  private stopped = false;
  /** The last condition PATCH went through: the outbox may go out without waiting for the next. */
  private written = false;
  /** Checks run so far, per type (tests wait on these). */
  readonly runs = new Map<string, number>();

  constructor(o: NodeAgentOptions) {
    this.o = o;
    const keep = () => o.state?.changed();
    this.events = new NodeEvents({ node: o.node, api: o.api, onChange: keep });
    this.reporter = new Reporter({
      clock: o.clock,
      log: o.log,
      onChange: keep,
      sink: {
        writeConditions: (conditions, deleteTypes, nowMs) =>
          this.writeConditions(conditions, deleteTypes, nowMs),
        transition: (t) => this.onTransition(t),
      },
    });
  }

  async start(): Promise<void> {
    const onNode = await this.readOwnConditions();
    const state = this.o.state;
    const kept = state?.loaded;
    if (kept && (kept.outbox.events.length || kept.conditions.length))
      this.o.log?.('carrying on from the state volume', {
        conditions: kept.conditions.length,
        queuedEvents: kept.outbox.events.length,
        dropped: kept.outbox.dropped?.n ?? 0,
      });
    if (kept) this.events.restore(kept.outbox);
    state?.provide('conditions', () => this.reporter.remembered());
    state?.provide('outbox', () => this.events.snapshot());
    this.reporter.start(this.o.checks, onNode, kept?.conditions);
    // Host changes first, so RebootRequired's first message already names the boot before.
    const watches = this.o.watches ?? [];
    await Promise.all(watches.map((w) => this.runWatch(w)));
    for (const w of watches) this.timers.push(every(this.o.clock, w.intervalMs, () => void this.runWatch(w)));
    for (const check of this.o.checks) {
      this.runCheck(check);
      this.timers.push(every(this.o.clock, check.intervalMs, () => this.runCheck(check)));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) t.cancel();
    this.reporter.stop();
    await this.o.state?.close();
  }

  /**
   * One look of a watch; its events join the outbox. Waits at most the watch's timeout, so a
   * hung look never holds up the checks, and events of a late answer still count.
   */
  private runWatch(w: EventWatch): Promise<void> {
    if (this.stopped || this.inFlight.has(w.name)) return Promise.resolve();
    this.inFlight.add(w.name);
    const done = w
      .run(this.o.clock.now())
      .then(
        (events) => {
          for (const e of events) this.events.enqueue(e);
          // No condition write follows a watch's event; while the API answers, send it now.
          if (events.length && this.written) void this.events.drain();
        },
        (err: unknown) => this.o.log?.('host watch failed', { watch: w.name, error: String(err) }),
      )
      .finally(() => this.inFlight.delete(w.name));
    return new Promise((resolve) => {
      const deadline = this.o.clock.after(w.timeoutMs, resolve);
      void done.then(() => {
        deadline.cancel();
        resolve();
      });
    });
  }

  /** The Node's agent-owned conditions as they stand; none when it cannot be read yet. */
  private async readOwnConditions(): Promise<AgentCondition[]> {
    try {
      const node = (await this.o.api.getJson<NodeObject>(`/api/v1/nodes/${encodeURIComponent(this.o.node)}`))
        .body;
      const owned = new Set<string>(agentConditionTypes);
      return (node.status?.conditions ?? [])
        .filter((c) => owned.has(c.type))
        .map((c) => ({
          type: c.type,
          status: c.status ?? 'Unknown',
          reason: c.reason ?? '',
          message: c.message ?? '',
          lastTransitionTime: c.lastTransitionTime ?? '',
        }));
    } catch (err) {
      this.o.log?.('cannot read the Node at start; conditions start fresh', {
        error: (err as Error).message,
      });
      return [];
    }
  }

  /** One run with its own deadline; a run still going when the next is due is skipped. */
  private runCheck(check: Check): void {
    if (this.stopped || this.inFlight.has(check.type)) return;
    this.inFlight.add(check.type);
    const startedMs = this.o.clock.now();
    const abort = new AbortController();
    let settled = false;
    const settle = (outcome: Parameters<Reporter['record']>[2]): void => {
      if (settled) return;
      settled = true;
      deadline.cancel();
      this.inFlight.delete(check.type);
      this.runs.set(check.type, (this.runs.get(check.type) ?? 0) + 1);
      this.reporter.record(check.type, startedMs, outcome);
    };
    const deadline = this.o.clock.after(check.timeoutMs, () => {
      abort.abort();
      settle({ error: `check timed out after ${goDuration(check.timeoutMs)}` });
    });
    check.run({ startedMs, signal: abort.signal }).then(
      (result) => settle({ result }),
      (err: unknown) => {
        if (!(err instanceof CheckNotRun))
          this.o.log?.('check failed to run', { check: check.type, error: String(err) });
        settle({ error: err instanceof Error ? err.message : String(err) });
      },
    );
  }

  private async writeConditions(
    conditions: AgentCondition[],
    deleteTypes: string[],
    nowMs: number,
  ): Promise<WriteOutcome> {
    const heartbeat = rfc3339(nowMs);
    const body = {
      status: {
        conditions: [
          ...conditions.map((c) => ({ ...c, lastHeartbeatTime: heartbeat })),
          ...deleteTypes.map((type) => ({ type, $patch: 'delete' })),
        ],
      },
    };
    this.written = false;
    try {
      await this.o.api.send('PATCH', `/api/v1/nodes/${encodeURIComponent(this.o.node)}/status`, body, {
        contentType: 'application/strategic-merge-patch+json',
      });
    } catch (err) {
      if (!(err instanceof ApiRequestError)) throw err;
      this.o.log?.('cannot write node conditions', {
        node: this.o.node,
        status: err.status,
        error: err.message,
      });
      if (err.status === 404) return 'node-gone';
      if (err.status === 0 || err.status >= 500 || err.status === 429) return 'retry';
      return 'wait-for-change';
    }
    // The outbox goes after the condition PATCH (contract §5), and never holds up the next write.
    this.written = true;
    void this.events.drain();
    return 'written';
  }

  private onTransition(t: Transition): void {
    this.events.enqueue({
      reason: t.reason,
      type: t.status === 'True' && !quietTypes.has(t.type) ? 'Warning' : 'Normal',
      message: `Node condition ${t.type} is now: ${t.status}, reason: ${t.reason}, message: ${JSON.stringify(t.message)}`,
      atMs: t.atMs,
      key: `${t.type}\n${t.status}\n${t.reason}`,
    });
  }
}
