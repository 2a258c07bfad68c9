import { describe, expect, it } from 'vitest';
import { observedStates } from './observed-components.ts';

const quiet = { workloadsShort: 0, workloadsDown: 0, http5xx: 0, incidentOpen: false };

describe('what the cluster shows is down', () => {
  it.each([
    ['a healthy cluster', quiet, {}],
    ['one application short on its own', { ...quiet, workloadsShort: 1 }, {}],
    ['five Deployments short', { ...quiet, workloadsShort: 5 }, { Workloads: 'degraded_performance' }],
    [
      'one short during an incident',
      { ...quiet, workloadsShort: 1, incidentOpen: true },
      { Workloads: 'degraded_performance' },
    ],
    [
      'none ready during an incident',
      { ...quiet, workloadsShort: 2, workloadsDown: 1, incidentOpen: true },
      { Workloads: 'partial_outage' },
    ],
    ['5xx at the ingress', { ...quiet, http5xx: 40 }, { Ingress: 'degraded_performance' }],
    ['5xx during an incident', { ...quiet, http5xx: 40, incidentOpen: true }, { Ingress: 'partial_outage' }],
    ['all DNS pods Ready', { ...quiet, dns: { pods: 2, ready: 2 } }, {}],
    ['one DNS pod of two Ready', { ...quiet, dns: { pods: 2, ready: 1 } }, { DNS: 'degraded_performance' }],
    ['no DNS pod Ready', { ...quiet, dns: { pods: 2, ready: 0 } }, { DNS: 'major_outage' }],
    [
      'no ingress controller Ready',
      { ...quiet, ingress: { pods: 2, ready: 0 } },
      { Ingress: 'major_outage' },
    ],
    [
      'one ingress controller of two Ready',
      { ...quiet, ingress: { pods: 2, ready: 1 } },
      { Ingress: 'degraded_performance' },
    ],
  ])('%s', (_, facts, states) => {
    expect(observedStates(facts)).toEqual(states);
  });
});
