import { describe, expect, it } from 'vitest';
import { incident } from '../incident/fixtures.ts';
import { type RunbookFacts, runbookFactsFrom, runbookOffersFor } from './runbook-plans.ts';

const runbookPlansFor = (...args: Parameters<typeof runbookOffersFor>) =>
  runbookOffersFor(...args).map((o) => o.plan);

const facts: RunbookFacts = {
  nodes: ['aks-1', 'aks-2', 'aks-3', 'aks-4'].map((name) => ({
    name,
    ready: name !== 'aks-1',
    unschedulable: false,
    labels: {},
  })),
  pods: [],
  pdbs: [],
  workloads: [{ namespace: 'ingress', name: 'ctl', containers: [{ name: 'c' }] }],
  endpoints: ['10.0.0.2:6443'],
};

describe('runbookPlansFor', () => {
  it('plans the restart of the nodes in the blast radius', () => {
    const plans = runbookPlansFor(incident(), facts);
    expect(plans.map((p) => p.runbook)).toEqual(['restart-nodes']);
    expect(plans[0].targets).toEqual(['aks-1', 'aks-2', 'aks-3']);
    expect(plans[0].command).toBe(
      'kubetriage remediate restart-nodes --nodes aks-1,aks-2,aks-3 --max-unavailable 1',
    );
  });

  it('aims node-fix at the timer the pattern named, and the bypass at its Deployments', () => {
    const plans = runbookPlansFor(
      incident(
        {},
        {
          runbooks: ['node-fix', 'bypass-service-host'],
          runbookArgs: {
            'node-fix': { timer: 'apt-daily-upgrade.timer' },
            'bypass-service-host': { deployments: ['ingress/ctl'] },
          },
        },
      ),
      facts,
    );
    expect(plans.map((p) => p.command)).toEqual([
      'kubetriage remediate node-fix disable-timer apt-daily-upgrade.timer',
      'kubetriage remediate bypass-service-host --deployment ingress/ctl',
    ]);
  });

  it('leaves out Deployments an earlier run already bypassed', () => {
    const bypassedFacts = {
      ...facts,
      workloads: [
        ...facts.workloads,
        { namespace: 'ingress', name: 'done', containers: [{ name: 'c' }], bypassed: '{"containers":[]}' },
      ],
    };
    const top = {
      runbooks: ['bypass-service-host'],
      runbookArgs: { 'bypass-service-host': { deployments: ['ingress/ctl', 'ingress/done'] } },
    };
    expect(runbookPlansFor(incident({}, top), bypassedFacts).map((p) => p.targets)).toEqual([
      ['ingress/ctl'],
    ]);
    const allDone = { ...top, runbookArgs: { 'bypass-service-host': { deployments: ['ingress/done'] } } };
    expect(runbookPlansFor(incident({}, allDone), bypassedFacts)).toEqual([]);
  });

  it('reads the bypass mark from the Deployments in the view', () => {
    const f = runbookFactsFrom({
      nodes: [],
      pods: [],
      pdbs: [],
      endpointslices: [],
      deployments: [
        {
          metadata: { name: 'a', namespace: 'x', annotations: { 'kubetriage.io/bypass-service-host': '{}' } },
        },
        { metadata: { name: 'b', namespace: 'x' } },
      ],
    });
    expect(f.workloads.map((w) => [w.name, w.bypassed])).toEqual([
      ['a', '{}'],
      ['b', undefined],
    ]);
  });

  it('offers nothing it cannot aim', () => {
    expect(runbookPlansFor(incident({}, { blastRadius: {} }), facts)).toEqual([]);
  });
});
