/**
 * The failing side of both DNS checks: `<prefix>Timeout`, `ServerFailure`, `NameNotFound`,
 * `Refused`, with the contract's summaries and fields.
 */

import { goDuration } from '../../time/go-duration.ts';
import { type CheckResult, problem } from '../check.ts';
import type { DnsOutcome } from '../dns-lookup.ts';
import type { Field } from '../logfmt.ts';

export function dnsFailure(
  prefix: 'ClusterDNS' | 'NodeResolver',
  who: string,
  outcome: Exclude<DnsOutcome, { kind: 'answer' }>,
  base: readonly Field[],
  o: { timeoutMs: number; attempts: number },
  extra: readonly Field[] = [],
): CheckResult {
  switch (outcome.kind) {
    case 'timeout':
      return problem(`${prefix}Timeout`, `no answer from ${who}`, [
        ...base,
        ['timeout', goDuration(o.timeoutMs)],
        ['attempts', o.attempts],
        ...extra,
      ]);
    case 'refused':
      return problem(`${prefix}Refused`, `${who} refused the query`, [
        ...base,
        ['error', outcome.error],
        ...extra,
      ]);
    case 'rcode':
      if (outcome.rcode === 'SERVFAIL')
        return problem(`${prefix}ServerFailure`, `${who} answered SERVFAIL`, [
          ...base,
          ['rcode', 'SERVFAIL'],
          ...extra,
        ]);
      if (outcome.rcode === 'NXDOMAIN')
        return problem(`${prefix}NameNotFound`, `${who} answered NXDOMAIN`, [
          ...base,
          ['rcode', 'NXDOMAIN'],
          ...extra,
        ]);
      return problem(`${prefix}Refused`, `${who} refused the query`, [
        ...base,
        ['rcode', 'REFUSED'],
        ...extra,
      ]);
  }
}
