/**
 * Turns a probe outcome into the condition of one network check: the reason is the prefix
 * (`VIP`, `Endpoint`, `ProbeService`) plus the failure, and the summary the contract's
 * template for that failure and `<what>`.
 */
import { type CheckResult, problem } from '../check.ts';
import type { Field } from '../logfmt.ts';
import type { ProbeFailure, ProbeOutcome } from '../net-probe.ts';

const verbs: Record<ProbeFailure, (what: string) => string> = {
  ConnectTimeout: (w) => `TCP connect to ${w} timed out`,
  ConnectionRefused: (w) => `TCP connect to ${w} was refused`,
  NoRoute: (w) => `TCP connect to ${w} found no route`,
  TLSFailed: (w) => `TLS handshake with ${w} failed`,
  HTTPTimeout: (w) => `GET /livez through ${w} got no response`,
};

export function failedProbe(
  prefix: string,
  what: string,
  failed: Extract<ProbeOutcome, { ok: false }>,
  fields: readonly Field[],
): CheckResult {
  return problem(`${prefix}${failed.failure}`, verbs[failed.failure](what), [
    ...fields,
    ['stage', failed.stage],
    ['timeout', failed.timeout],
    ['error', failed.error],
  ]);
}
