/**
 * What the cluster shows is down, for the status page, beside what the incidents say: a
 * page that reads "Workloads: Operational" while five Deployments are short of replicas and
 * the ingress answers 5xx is a page people stop trusting. One application short on its own
 * is that application's trouble (a finding), not the platform's; several at once, any
 * with no replica ready during an incident, 5xx at the ingress, or cluster DNS pods not
 * Ready, are.
 */
import type { ComponentName } from '../diagnose/hypothesis.ts';
import type { ComponentState } from './status-page.ts';

export type ObservedStates = Partial<Record<ComponentName, ComponentState>>;

export interface ObservedFacts {
  /** Deployments and DaemonSets short of ready replicas. */
  workloadsShort: number;
  /** Of those, how many have none ready at all. */
  workloadsDown: number;
  /** 5xx answers counted at the ingress in the latest round. */
  http5xx: number;
  /** Whether a cluster-level incident is open (its shortfalls are the platform's). */
  incidentOpen: boolean;
  /** Cluster DNS pods (k8s-app=kube-dns) and how many are Ready; absent when not known. */
  dns?: { pods: number; ready: number };
  /** Ingress controller pods and how many are Ready; absent when not known. */
  ingress?: { pods: number; ready: number };
}

/** Several workloads short at once reads as the platform, not one application. */
const platformWideShort = 3;

export function observedStates(f: ObservedFacts): ObservedStates {
  const out: ObservedStates = {};
  if (f.incidentOpen && f.workloadsDown > 0) out.Workloads = 'partial_outage';
  else if (f.workloadsShort >= platformWideShort || (f.incidentOpen && f.workloadsShort > 0))
    out.Workloads = 'degraded_performance';
  if (f.http5xx > 0) out.Ingress = f.incidentOpen ? 'partial_outage' : 'degraded_performance';
  // No ingress controller ready: nothing from outside gets in.
  if (f.ingress && f.ingress.pods > 0 && f.ingress.ready === 0) out.Ingress = 'major_outage';
  else if (f.ingress && f.ingress.ready < f.ingress.pods && !out.Ingress)
    out.Ingress = 'degraded_performance';
  // No DNS pod ready: every lookup through cluster DNS fails, whatever the cause.
  if (f.dns && f.dns.pods > 0 && f.dns.ready === 0) out.DNS = 'major_outage';
  else if (f.dns && f.dns.ready < f.dns.pods) out.DNS = 'degraded_performance';
  return out;
}
