/**
 * The node conditions kubetriage's node agent owns (docs/node-agent-report.md §2): written
 * by the agent (src/agent), read by the detectors (src/detect). One list, so the writer and
 * the readers can never disagree on a name.
 */
export const agentConditionTypes = [
  'KubernetesServiceVIPUnreachable',
  'APIEndpointUnreachable',
  'ClusterDNSUnhealthy',
  'NodeResolverUnhealthy',
  'ProbeServiceUnreachable',
  'PodNetworkPeersUnreachable',
  'KubeletUnhealthy',
  'IptablesRestoreFailing',
  'ConntrackTableFull',
  'NodeIOPressure',
  'NodePIDsExhausted',
  'AutomaticUpgradeScheduled',
  'PackageUpgradeInProgress',
  'PackageUpgradeFailed',
  'RebootRequired',
] as const;
export type AgentConditionType = (typeof agentConditionTypes)[number];
