/**
 * The value sets the chart is rendered and validated with: the defaults, every opt-in and
 * placement value at once, SQLite without persistence, and PostgreSQL with two replicas and
 * an existing service account.
 */
import { chartValues } from '../../deploy/generate.ts';

type Values = typeof chartValues;

const affinity = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [
        { matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }] },
      ],
    },
  },
};

export const valueSets: Record<string, Values> = {
  defaults: chartValues,
  'every opt-in': {
    ...chartValues,
    image: { repository: 'registry.example/kt', tag: '0.1.0-rc.1', pullPolicy: 'Always' },
    imagePullSecrets: [{ name: 'regcred' }],
    serviceAccount: {
      create: true,
      name: 'kt-serve',
      annotations: { 'eks.amazonaws.com/role-arn': 'arn:x' },
    },
    podAnnotations: { 'prometheus.io/scrape': 'false' },
    persistence: { enabled: true, size: '5Gi', storageClass: 'fast' },
    server: {
      resources: { requests: { cpu: '200m', memory: '512Mi' }, limits: { memory: '2Gi' } },
      nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
      tolerations: [
        { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
      ],
      affinity,
    },
    createNamespace: true,
    agent: {
      ...chartValues.agent,
      apiEndpoints: '10.0.0.10:6443',
      nodeResolverName: 'kubernetes.default',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      affinity,
    },
    remediation: { enabled: true },
    metrics: { apiServerProxy: true },
    serviceMonitor: { enabled: true },
    prometheusRule: { enabled: true },
  },
  'SQLite on an emptyDir': { ...chartValues, persistence: { ...chartValues.persistence, enabled: false } },
  PostgreSQL: {
    ...chartValues,
    replicas: 2,
    database: { urlSecret: 'kubetriage-database' },
    serviceAccount: { create: false, name: 'existing', annotations: {} },
  },
};
