/**
 * How patterns ask about signals: by kind, typed (a misspelt kind does not compile), with
 * shared derived pictures ("the nodes in trouble", "what changed before the onset")
 * computed once per round however many patterns ask, and whether the source that would
 * tell was there at all, so an absence is only read as evidence when someone looked.
 */

import type { Signal, SignalOf } from '../detect/signal.ts';
import type { AgentConditionFacts, SignalKind, SourceFamily } from '../detect/signal-kinds.ts';
import type { AgentConditionType } from '../kube/node-agent-conditions.ts';

export type AgentSignal<T extends AgentConditionType> = SignalOf<'agent-condition'> & {
  facts: AgentConditionFacts<T>;
};

export class SignalQuery {
  readonly all: readonly Signal[];
  readonly nowMs: number;
  private readonly byKind = new Map<SignalKind, Signal[]>();
  private readonly derived = new Map<string, unknown>();

  constructor(signals: readonly Signal[], nowMs: number) {
    this.all = signals;
    this.nowMs = nowMs;
    for (const s of signals) {
      const list = this.byKind.get(s.kind) ?? [];
      list.push(s);
      this.byKind.set(s.kind, list);
    }
  }

  of<K extends SignalKind>(kind: K): SignalOf<K>[] {
    return (this.byKind.get(kind) ?? []) as SignalOf<K>[];
  }

  first<K extends SignalKind>(kind: K): SignalOf<K> | undefined {
    return this.of(kind)[0];
  }

  /** The node agent's signal for one condition type (True on some node). */
  agent<T extends AgentConditionType>(type: T): AgentSignal<T> | undefined {
    return this.of('agent-condition').find((s) => s.facts.type === type) as AgentSignal<T> | undefined;
  }

  /** The status of a source family (from the `source-status` signals). */
  source(family: SourceFamily): SignalOf<'source-status'> | undefined {
    return this.of('source-status').find((s) => s.facts.source === family);
  }

  /** Whether the family delivered this round: only then can an absence be evidence. */
  fresh(family: SourceFamily): boolean {
    return this.source(family)?.facts.state === 'fresh';
  }

  /** A derived picture, computed once per query (round) under `key`. */
  derive<T>(key: string, compute: (q: SignalQuery) => T): T {
    if (this.derived.has(key)) return this.derived.get(key) as T;
    const value = compute(this);
    this.derived.set(key, value);
    return value;
  }
}

/** `kind subject`: how an incident remembers the signals it rests on. */
export function signalKey(s: Signal): string {
  return `${s.kind} ${s.subject}`;
}
