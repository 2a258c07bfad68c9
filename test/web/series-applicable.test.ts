/**
 * Issue 23 item 6: kube-proxy is not expected on a cluster without it, on the chart either.
 */
import { describe, expect, it } from 'vitest';
import type { SeriesJson } from '../../web/src/api-types.ts';
import { seriesNotApplicable } from '../../web/src/components/series-applicable.ts';

const series = (proxySyncFailingNodes: number[]): SeriesJson => ({
  atMs: [0, 10_000],
  series: {
    notReadyNodes: [0, 0],
    crashLoopPods: [1, 1],
    proxySyncFailingNodes,
    probeFailures: [0, 0],
    http5xx: [0, 900],
  },
  roundsPerPoint: 1,
});
const sources = (notApplicable: { source: string; reason: string }[]) => ({
  sources: { fresh: 20, stale: [], forbidden: [], notApplicable },
});
const noKubeProxy = sources([{ source: 'metrics/kube-proxy', reason: 'no kube-proxy pod' }]);

describe('seriesNotApplicable', () => {
  it('leaves the kube-proxy line off a cluster that runs no kube-proxy', () => {
    expect(seriesNotApplicable(noKubeProxy, series([0, 0]))).toEqual(['proxySyncFailingNodes']);
  });

  it('keeps it where kube-proxy runs, before the report is in, and whenever it carries data', () => {
    expect(seriesNotApplicable(sources([]), series([0, 0]))).toEqual([]);
    expect(seriesNotApplicable(undefined, series([0, 0]))).toEqual([]);
    expect(seriesNotApplicable(noKubeProxy, series([0, 2]))).toEqual([]);
  });
});
