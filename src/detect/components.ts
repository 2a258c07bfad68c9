/**
 * The cluster-component detectors: the API server from outside and from inside, cluster DNS,
 * kube-proxy's rule syncs, and component versions against the skew policy. Adding one is a
 * file plus a line here.
 */
import { apiAccess } from './api-access.ts';
import { apiHealth } from './api-health.ts';
import { dnsHealth } from './dns-health.ts';
import { inClusterApi } from './in-cluster-api.ts';
import { kubeProxySync } from './kube-proxy-sync.ts';
import type { Detector } from './signal.ts';
import { sourceStatus } from './source-status.ts';
import { versionSkew } from './version-skew.ts';

export const componentDetectors: Detector[] = [
  apiHealth,
  apiAccess,
  inClusterApi,
  dnsHealth,
  kubeProxySync,
  versionSkew,
  sourceStatus,
];
