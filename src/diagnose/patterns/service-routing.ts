/**
 * In-cluster service routing to the API server is broken (Runway 2024's shape): pods time
 * out dialling the `kubernetes` Service VIP while the API server answers kubetriage from
 * outside and the nodes reach it at its own address. CoreDNS, which lists Services through
 * that VIP, crash-loops as a consequence; it is not the cause. The service proxy on the
 * nodes (kube-proxy, kube-router, …) is where to look, often right after an upgrade.
 */
import type { Evidence } from '../../detect/signal.ts';
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

const twoHoursMs = 2 * 60 * 60_000;

export const serviceRouting: FailurePattern = {
  id: 'service-routing',
  title: 'In-cluster service routing to the API server is broken',
  evaluate(idx, nowMs): Hypothesis | undefined {
    const vip = idx.first('in-cluster-api-unreachable');
    const agentVip = idx.agent('KubernetesServiceVIPUnreachable');
    if (!vip && !agentVip) return undefined;
    if (idx.first('api-unreachable')) return undefined; // the API server itself is down: another pattern
    const external = vip?.facts.externalApiHealthy !== false;
    const endpointOk = vip?.facts.endpointReachableFromNodes === true || !idx.agent('APIEndpointUnreachable');
    // Nodes that are NotReady or flapping lose the VIP with everything else: that is the
    // node pattern's evidence. Routing is broken where the node itself is fine.
    const troubled = nodeTrouble(idx).affected;
    const nodes = [...new Set([...list(vip?.facts.nodes), ...list(agentVip?.facts.nodes)])]
      .filter((n) => !troubled.has(n))
      .sort();
    if (nodes.length === 0 || (nodes.length < 2 && list(agentVip?.facts.nodes).length < 2)) return undefined;
    const dns = idx.first('dns-pods-unhealthy');
    const dnsIsConsequence = list(dns?.facts.logHints).includes('api-unreachable');
    const onset = earliest([vip, agentVip], nowMs);
    const changes = idx
      .of('change')
      .filter(
        (c) => c.sinceMs <= onset + 60_000 && c.sinceMs >= onset - twoHoursMs && c.facts.what !== 'rollout',
      );
    const supporting: Evidence[] = [
      ...(vip ? [asEvidence(vip)] : []),
      ...(agentVip ? [asEvidence(agentVip)] : []),
      ...(dnsIsConsequence && dns
        ? [asEvidence(dns, `${dns.summary} — its logs show it cannot reach the API through the VIP`)]
        : []),
      ...changes.slice(0, 3).map((c) => asEvidence(c, `changed shortly before: ${c.summary}`)),
    ];
    const contradicting: Evidence[] = external
      ? []
      : [asEvidence(vip!, 'kubetriage could not reach the API server either in the same window')];
    const vipAddr = String(vip?.facts.vip ?? '10.96.0.1');
    return {
      pattern: 'service-routing',
      title: this.title,
      statement: `Pods cannot reach the API server through the kubernetes Service VIP ${vipAddr} (${list(vip?.facts.errorKinds).join(', ') || 'timeouts'}) on ${nodes.length || 'several'} node(s) since ${fmtTime(onset)}, while the API server answers from outside${endpointOk ? ' and at its own address' : ''}: the nodes' service routing is broken.${dnsIsConsequence ? ' CoreDNS crash-loops because it cannot list from the API; it is a consequence.' : ''}`,
      confidence: confidence([
        0.45,
        external && 0.15,
        endpointOk && 0.1,
        dnsIsConsequence && 0.1,
        nodes.length >= 2 && 0.05,
        changes.length > 0 && 0.1,
        !external && -0.4,
      ]),
      severity: 'critical',
      clusterLevel: true,
      sinceMs: onset,
      supporting,
      contradicting,
      ruledOut: [
        {
          pattern: 'cluster-dns',
          why: dns
            ? 'CoreDNS fails because it cannot list Services from the API through the VIP; restarting it will not help'
            : 'cluster DNS pods are not the failing part',
        },
        {
          pattern: 'control-plane-unreachable',
          why: 'the API server answers kubetriage from outside the cluster',
        },
        {
          pattern: 'node-network',
          why: 'nodes stay Ready; only traffic to the Service VIP fails, on every node alike',
        },
      ],
      blastRadius: {
        nodes,
        services: ['default/kubernetes'],
        namespaces: list(vip?.scope.namespaces),
        workloads: list(vip?.scope.workloads),
      },
      nextSteps: [
        {
          say: 'Find the API server endpoint behind the VIP',
          command: 'kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes -o wide',
        },
        {
          say: 'Bypass the VIP for critical workloads (KUBERNETES_SERVICE_HOST/PORT to that endpoint)',
          command: 'kubetriage remediate bypass-service-host --deployment <namespace>/<name> --dry-run',
        },
        {
          say: "Check the nodes' service proxy pods and logs",
          command: 'kubectl -n kube-system get pods -o wide -l k8s-app=kube-proxy',
        },
        { say: 'If it is not fixed within a time box, rebuild the cluster' },
      ],
      runbooks: ['bypass-service-host'],
      prevention: [
        'Run a probe of the kubernetes Service VIP from every node (the kubetriage agent) and alert on failure',
        'Upgrade one node first and verify in-cluster API access before rolling on',
      ],
      signals: [vip, agentVip, dnsIsConsequence ? dns : undefined]
        .filter((s) => s !== undefined)
        .map(signalKey),
    };
  },
};
