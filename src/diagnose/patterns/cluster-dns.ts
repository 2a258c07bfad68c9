/**
 * Cluster DNS itself is broken: its pods are down or unready for their own reasons (not
 * because they cannot reach the API), or lookups through it fail from most nodes while the
 * nodes' own resolvers work.
 */
import {
  asEvidence,
  confidence,
  earliest,
  fmtTime,
  type Hypothesis,
  list,
  signalKey,
} from '../hypothesis.ts';
import { nodeTrouble } from '../node-trouble.ts';
import type { FailurePattern } from '../pattern.ts';

export const clusterDns: FailurePattern = {
  id: 'cluster-dns',
  title: 'Cluster DNS is failing',
  evaluate(idx, nowMs): Hypothesis | undefined {
    const pods = idx.first('dns-pods-unhealthy');
    const lookups = idx.first('dns-lookups-failing');
    if (!pods && !lookups) return undefined;
    // DNS pods down, or lookups failing, only on nodes that are down themselves are the
    // nodes' story, not cluster DNS's.
    const troubled = nodeTrouble(idx).affected;
    const podNodes = pods?.scope.nodes ?? [];
    const lookupNodes = list(lookups?.facts.clusterDnsNodes);
    // DNS pods that are down because their nodes are down explain lookups failing anywhere.
    if (pods && podNodes.length > 0 && podNodes.every((n) => troubled.has(n))) return undefined;
    if (!pods && !lookupNodes.some((n) => !troubled.has(n))) return undefined;
    const apiCaused =
      list(pods?.facts.logHints).includes('api-unreachable') || !!idx.first('in-cluster-api-unreachable');
    const clusterNodes = lookupNodes.filter((n) => !troubled.has(n));
    const resolverNodes = list(lookups?.facts.nodeResolverNodes);
    const since = earliest([pods, lookups], nowMs);
    return {
      pattern: 'cluster-dns',
      title: this.title,
      statement: `Cluster DNS is failing since ${fmtTime(since)}${pods ? `: ${pods.facts.ready ?? 0} of ${pods.facts.total ?? '?'} DNS pods Ready` : ''}${clusterNodes.length ? `; lookups fail from ${clusterNodes.length} node(s)` : ''}.`,
      confidence: confidence([
        0.45,
        pods?.severity === 'critical' && 0.1,
        clusterNodes.length > 1 && 0.1,
        apiCaused && -0.3,
        resolverNodes.length > 0 && -0.15,
      ]),
      severity: pods?.severity === 'critical' ? 'critical' : 'warning',
      clusterLevel: true,
      sinceMs: since,
      supporting: [pods, lookups].filter((s) => s !== undefined).map((s) => asEvidence(s)),
      contradicting:
        apiCaused && pods
          ? [asEvidence(pods, 'the DNS pods log that they cannot reach the API server: a consequence')]
          : [],
      ruledOut: [],
      blastRadius: { namespaces: ['kube-system'], nodes: clusterNodes },
      nextSteps: [
        {
          say: 'Read the DNS pods’ logs',
          command: 'kubectl -n kube-system logs -l k8s-app=kube-dns --tail=50 --prefix',
        },
        {
          say: 'Check the DNS Service has endpoints',
          command: 'kubectl -n kube-system get endpointslices -l kubernetes.io/service-name=kube-dns',
        },
      ],
      runbooks: [],
      prevention: ['Probe cluster DNS from every node and alert on failures'],
      signals: [pods, lookups].filter((s) => s !== undefined).map(signalKey),
    };
  },
};
