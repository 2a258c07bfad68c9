/**
 * Which of the chart's series the cluster has nothing to feed: a "kube-proxy sync failing"
 * line on a cluster without kube-proxy (Cilium's replacement) reads as something expected
 * and missing. Left out only while it carries no data: a series that saw something is
 * always shown.
 */
import type { SeriesJson, SeriesName, StatusReport } from '../api-types.ts';

export function seriesNotApplicable(
  report: Pick<StatusReport, 'sources'> | undefined,
  data: SeriesJson,
): SeriesName[] {
  const kubeProxyMissing = report?.sources.notApplicable.some((s) => s.source === 'metrics/kube-proxy');
  const empty = data.series.proxySyncFailingNodes.every((v) => !v);
  return kubeProxyMissing && empty ? ['proxySyncFailingNodes'] : [];
}
