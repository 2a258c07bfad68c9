/**
 * What a scenario file may say, as a zod schema with its TypeScript types: the cluster's
 * shape, its workloads and what their containers need, healthy background churn, a
 * timeline of faults (ground truth, seen only by the simulator), operator actions and
 * heals, and the expected diagnosis (seen only by the scorer).
 *
 * The fault vocabulary describes how Kubernetes clusters fail, not any one story: faults
 * are injected low (a kubelet, a node's network, a node's service rules, the API endpoint,
 * a node-local timer) and the simulator's dependency model makes the symptoms. Times are
 * written as in `time-spec.ts`; objects are strict so a misspelt key is an error, not a
 * silently ignored line.
 */
import { z } from 'zod';
import { parseBytes, parseRate } from '../behaviour/memory.ts';
import { parseCountRate, parseThreshold } from '../behaviour/node-storage.ts';
import { admissionWebhookActionSchemas } from './admission-webhooks-shape.ts';
import { controlPlaneFaultSchemas } from './control-plane-faults.ts';
import {
  controlPlaneClusterShape,
  controlPlaneShape,
  renewCertificatesActionSchema,
} from './control-plane-shape.ts';
import { cniSchema, ingressSchema, networkActionFields, networkFaultFields } from './network-schema.ts';
import { scenarioReferenceIssues } from './references.ts';
import { instant, labelSelector } from './scalars.ts';
import { parseDailyCalendar, parseDuration, parseIsoTime } from './time-spec.ts';

// ---------------------------------------------------------------------------------------
// Scalars

/** A DNS-1123 label: what Kubernetes accepts as a namespace, pool or workload name. */
const name = z
  .string({ error: 'expected a lowercase name (a-z, 0-9, -)' })
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { error: 'expected a lowercase name (a-z, 0-9, -)' });

const text = z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty string' });

/** One line of prose: listings print it as is. */
const oneLine = z
  .string({ error: 'expected one line of text' })
  .regex(/^[^\n\r]{1,200}$/, { error: 'expected one line of text (no line breaks, at most 200 characters)' });

/** YAML reads an unquoted 1.28 as a number; versions must be strings, so the message says how. */
const version = z
  .string({ error: 'expected a version string such as "v1.28.2" (quote it in YAML)' })
  .regex(/^v?\d+\.\d+(\.\d+)?([-+~][0-9A-Za-z.+~-]+)?$/, {
    error: 'expected a version string such as "v1.28.2" or "1.28.2-do.0"',
  });

const positiveInt = z
  .number({ error: 'expected a positive integer' })
  .int({ error: 'expected a positive integer' })
  .positive({ error: 'expected a positive integer' });

const count = z
  .number({ error: 'expected a whole number' })
  .int({ error: 'expected a whole number' })
  .nonnegative({ error: 'expected a whole number' });

const probability = z
  .number({ error: 'expected a probability from 0 to 1' })
  .min(0, { error: 'expected a probability from 0 to 1' })
  .max(1, { error: 'expected a probability from 0 to 1' });

const port = z
  .number({ error: 'expected a port number (1-65535)' })
  .int({ error: 'expected a port number (1-65535)' })
  .min(1, { error: 'expected a port number (1-65535)' })
  .max(65535, { error: 'expected a port number (1-65535)' });

const seconds = count;

/** `15m`, `2h`, `1h30m`, `3d`: a positive length of time. */
const duration = z
  .string({ error: 'expected a duration such as 15m, 2h or 3d' })
  .refine((t) => (parseDuration(t) ?? 0) > 0, { error: 'expected a duration such as 15m, 2h or 3d' });

/** An ISO time with its zone (`2018-07-19T15:00:00Z`); the real incident's date. */
const isoTime = z
  .string({ error: 'expected an ISO time with a zone, such as 2018-07-19T15:00:00Z' })
  .refine((t) => parseIsoTime(t) !== undefined, {
    error: 'expected an ISO time with a zone, such as 2018-07-19T15:00:00Z',
  });

/** A daily `OnCalendar=` time, as node timers declare it. */
const dailyCalendar = z
  .string({ error: 'expected a daily calendar time such as "*-*-* 06:00:00"' })
  .refine((t) => parseDailyCalendar(t) !== undefined, {
    error: 'expected a daily calendar time such as "*-*-* 06:00:00" or "daily"',
  });

/** `<namespace>/<name>` of a workload or Service. */
const objectRef = z
  .string({ error: 'expected <namespace>/<name>' })
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, {
    error: 'expected <namespace>/<name>',
  });

/** An integer or a percentage, as PDBs and rolling updates take them. */
const intOrPercent = z.union([count, z.string().regex(/^\d{1,3}%$/)], {
  error: 'expected a whole number or a percentage such as 25%',
});

const ipv4 = z.ipv4({ error: 'expected an IPv4 address' });

const labelKey =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Node and namespace labels; values must be strings, as in Kubernetes. */
const labels = z
  .record(z.string(), z.string({ error: 'expected a string label value (quote numbers and true/false)' }))
  .superRefine((map, ctx) => {
    for (const key of Object.keys(map)) {
      if (!labelKey.test(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `"${key}" is not a valid label key (optional DNS prefix and "/", then up to 63 of A-Z a-z 0-9 - _ .)`,
        });
      }
    }
  });

const need = z
  .string({ error: 'expected a need' })
  .regex(
    /^(dns|api|api:[a-z0-9.]*\/v[0-9a-z]+\/[a-z]+|service:[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?|container:[a-z0-9]([-a-z0-9]*[a-z0-9])?|external:[A-Za-z0-9.-]+(:\d{1,5})?)$/,
    {
      error:
        'expected a need: dns, api, api:<group>/<version>/<resource>, service:<namespace>/<name>, container:<name> or external:<host>[:<port>]',
    },
  );

/** A memory quantity as Kubernetes writes it: `512Mi`, `1.5Gi`, `2G`, `134217728`. */
const memoryQuantity = z
  .string({ error: 'expected a memory quantity such as 512Mi or 2Gi' })
  .refine((q) => parseBytes(q) !== undefined, { error: 'expected a memory quantity such as 512Mi or 2Gi' });

/** A CPU quantity as Kubernetes writes it: `250m`, `0.5`, `2` (cores, or thousandths with `m`). */
const cpuQuantity = z.preprocess(
  // YAML reads `cpu: 0.5` as a number, which Kubernetes accepts as well.
  (v) => (typeof v === 'number' && v > 0 ? String(v) : v),
  z
    .string({ error: 'expected a CPU quantity such as 250m or 1.5' })
    .regex(/^(\d+(\.\d+)?|\.\d+)m?$/, { error: 'expected a CPU quantity such as 250m or 1.5' })
    .transform(canonicalCpu),
);

/**
 * A CPU quantity as the API server gives it back (resource.Quantity's canonical form):
 * whole cores plain, anything finer in millicores, rounded up (`0.5` → `500m`, `1000m` → `1`).
 */
export function canonicalCpu(q: string): string {
  const millis = Math.ceil(q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000 - 1e-9);
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

/** Ephemeral storage as Kubernetes writes it: `1Gi`, `500Mi`, `2G`. */
const storageQuantity = z
  .string({ error: 'expected a storage quantity such as 1Gi or 500Mi' })
  .refine((q) => parseBytes(q) !== undefined, { error: 'expected a storage quantity such as 1Gi or 500Mi' });

/** A container's requests or limits, keyed as the pod spec keys them. */
const resourceList = z.strictObject({
  cpu: cpuQuantity.optional(),
  memory: memoryQuantity.optional(),
  'ephemeral-storage': storageQuantity.optional(),
});

/** How fast memory grows: a quantity per second, minute or hour (`20Mi/min`, `1Gi/h`). */
const memoryRate = z
  .string({ error: 'expected a rate such as 20Mi/min or 1Gi/h' })
  .refine((r) => (parseRate(r) ?? 0) > 0, { error: 'expected a rate such as 20Mi/min or 1Gi/h' });

/** How fast processes pile up: a count per second, minute or hour (`100/min`, `2/s`). */
const processRate = z
  .string({ error: 'expected a rate of processes such as 100/min or 2/s' })
  .refine((r) => (parseCountRate(r) ?? 0) > 0, {
    error: 'expected a rate of processes such as 100/min or 2/s',
  });

/** An eviction threshold value: a percentage of capacity (`10%`) or a quantity (`2Gi`, `1000`). */
const thresholdValue = z
  .string({ error: 'expected a threshold such as 10% or 2Gi' })
  .refine((t) => parseThreshold(t) !== undefined, { error: 'expected a threshold such as 10% or 2Gi' });

const scalars = { name, text, oneLine, version, positiveInt, count, probability, duration, labelSelector };

// ---------------------------------------------------------------------------------------
// Cluster

/** A node-local scheduled job (a systemd timer) present on a pool's image. */
const nodeTimerSchema = z.strictObject({
  name: text,
  onCalendar: dailyCalendar,
  randomizedDelay: duration.optional(),
  /** How long one run takes. */
  runs: duration.optional(),
  description: oneLine.optional(),
});

const taintSchema = z.strictObject({
  key: text,
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});

export const nodePoolSchema = z.strictObject({
  name,
  role: z.enum(['worker', 'control-plane']).default('worker'),
  count,
  /** Node names are `<nodeNamePrefix><index>`; default `<pool>-`. */
  nodeNamePrefix: z
    .string()
    .regex(/^[a-z0-9][-a-z0-9.]*$/, { error: 'expected the start of a node name (a-z, 0-9, -, .)' })
    .optional(),
  kubeletVersion: version,
  /** The provider's node image release (`1.28.2-do.0`, `AKSUbuntu-1604-2018.07.11`). */
  image: text.optional(),
  osImage: text,
  kernel: text,
  /** As the kubelet reports it in `nodeInfo.containerRuntimeVersion`: `containerd://1.7.2`, `cri-o://1.23.5`. */
  containerRuntime: z.string().regex(/^[a-z][a-z0-9-]*:\/\/\S+$/, {
    error: 'expected <runtime>://<version>, such as containerd://1.7.2 or cri-o://1.23.5',
  }),
  instanceType: text.optional(),
  /**
   * What each machine has, as its kubelet reports in status.capacity; allocatable is
   * capacity minus the hard eviction threshold (100Mi of memory; kube-reserved and
   * system-reserved unset, the kubelet's defaults). Unset: 4 CPU, 16 GiB, 110 pods.
   */
  capacity: z
    .strictObject({
      cpu: z.union([z.number().positive(), z.string()]),
      memory: memoryQuantity,
      pods: positiveInt,
      /** The root filesystem's size (status.capacity.ephemeral-storage); 102350Mi when unset. */
      ephemeralStorage: memoryQuantity.optional(),
    })
    .optional(),
  /**
   * What fills the root filesystem besides pods: `used` by the OS, the runtime and the
   * images of running containers (12Gi when unset); `unusedImages`, images no container
   * uses, which image GC and the eviction manager can delete (2Gi when unset).
   */
  disk: z
    .strictObject({ used: memoryQuantity.optional(), unusedImages: memoryQuantity.optional() })
    .optional(),
  /** kernel.pid_max on the machines; 4194304 (systemd's setting on 64-bit) when unset. */
  pidMax: positiveInt.optional(),
  /**
   * The kubelet's hard eviction thresholds where they differ from its defaults
   * (nodefs.available<10%, imagefs.available<15%; no pid.available threshold unless set).
   */
  evictionHard: z
    .strictObject({
      'nodefs.available': thresholdValue.optional(),
      'imagefs.available': thresholdValue.optional(),
      'pid.available': thresholdValue.optional(),
    })
    .optional(),
  /**
   * Which cgroup hierarchy the machines' OS mounts: v1 (Ubuntu up to 20.04, Amazon Linux 2)
   * or v2 (Ubuntu 22.04, Amazon Linux 2023, COS from M97). Nothing in the Node object says
   * which; only programs that read their limits from cgroup files notice (`cgroupV1Only`).
   */
  cgroup: z.enum(['v1', 'v2']).default('v1'),
  /** Nodes are spread over these zones round-robin. */
  zones: z.array(text).min(1).optional(),
  labels: labels.default({}),
  taints: z.array(taintSchema).default([]),
  /** Benign node-local timers (the node agent sees them); harmful ones are faults. */
  timers: z.array(nodeTimerSchema).default([]),
});

const serviceProxySchema = z.strictObject({
  kind: z.enum(['kube-proxy', 'kube-router', 'cilium', 'other']),
  mode: z.enum(['iptables', 'ipvs', 'nftables', 'ebpf']),
  version,
});

const clusterDnsSchema = z.strictObject({
  kind: z.enum(['coredns', 'kube-dns']),
  version,
  replicas: positiveInt,
  serviceIp: ipv4.default('10.96.0.10'),
  nodeLocalDns: z.strictObject({ version, localIp: ipv4.default('169.254.20.10') }).optional(),
});

const clusterSchema = z.strictObject({
  name,
  /** Who runs the machines: azure, aws, gcp, digitalocean, bare-metal, ... */
  provider: text,
  /** What installs Kubernetes: aks, eks, gke, doks, k0s, kubeadm, ... */
  distribution: text,
  region: text.optional(),
  kubernetesVersion: version,
  controlPlane: z.strictObject({
    /** The API server's real address, as a kubeconfig (and a bypass of the VIP) uses it. */
    endpoint: z.url({ error: 'expected a URL such as https://10.0.0.10:6443' }),
    /** Run by the provider: the operator cannot log in to it. */
    managed: z.boolean({ error: 'expected true or false' }),
    /** ClusterIP of the `kubernetes` Service, what pods dial. */
    serviceIp: ipv4.default('10.96.0.1'),
    serviceCidr: text.optional(),
    ...controlPlaneShape,
  }),
  serviceProxy: serviceProxySchema,
  dns: clusterDnsSchema,
  cni: cniSchema(scalars).optional(),
  ingress: ingressSchema(scalars).optional(),
  nodePools: z.array(nodePoolSchema).min(1),
  ...controlPlaneClusterShape,
});

// ---------------------------------------------------------------------------------------
// Workloads

const probeTiming = {
  initialDelaySeconds: seconds.optional(),
  periodSeconds: positiveInt.optional(),
  timeoutSeconds: positiveInt.optional(),
  failureThreshold: positiveInt.optional(),
};

const probeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('http'), path: z.string().startsWith('/'), port, ...probeTiming }),
  z.strictObject({ kind: z.literal('tcp'), port, ...probeTiming }),
  z.strictObject({
    kind: z.literal('exec'),
    command: z.array(text).min(1),
    /**
     * How long the command takes to answer in this container (a CPU-throttled or busy one
     * answers slowly). Kubelets from v1.20 fail the probe when it outlasts `timeoutSeconds`
     * (default 1); older ones waited for it. Unset: it answers at once.
     */
    runsFor: duration.optional(),
    ...probeTiming,
  }),
]);

export const containerSchema = z.strictObject({
  name,
  image: text,
  ports: z.array(port).default([]),
  /**
   * What the program must reach to work: cluster DNS, the API through the `kubernetes`
   * VIP, a Service through its VIP, a sidecar in the same pod, or a host outside.
   */
  needs: z.array(need).default([]),
  /** What the program does when a need fails: exits (crash loop), reports unready, or serves errors. */
  onNeedFailure: z.enum(['exit', 'unready', 'degrade']).default('unready'),
  /** How long it retries a failing need before doing that. */
  giveUpAfter: duration.optional(),
  readiness: probeSchema.optional(),
  liveness: probeSchema.optional(),
  startup: probeSchema.optional(),
  /**
   * `cpu` and `memory` are the requests (what the scheduler reserves and the eviction
   * manager compares use with); `limits` caps them: a container whose working set reaches
   * its memory limit is OOMKilled (exit 137) and restarted with back-off.
   */
  resources: z
    .strictObject({
      cpu: text.optional(),
      memory: memoryQuantity.optional(),
      limits: z.strictObject({ cpu: text.optional(), memory: memoryQuantity.optional() }).optional(),
    })
    .optional(),
  /**
   * What the program uses: a steady working set (default: its memory request, else 20Mi),
   * optionally growing at `rate` from `from` on (a slow leak, a cache that never evicts);
   * each restart starts it at the steady amount again.
   */
  usage: z
    .strictObject({
      memory: memoryQuantity.optional(),
      growth: z.strictObject({ rate: memoryRate, from: instant.optional() }).optional(),
      /**
       * A runtime that reads its memory limit only from cgroup v1 files (OpenJDK before
       * 8u372 and 11.0.16, .NET before 5, older Node.js) finds no limit on a node whose OS
       * mounts cgroup v2 and sizes its heap from the machine's memory instead: there its
       * working set keeps growing at `rate` from each start, until the container's memory
       * limit OOMKills it. On cgroup v1 nodes it settles as declared. See "Memory saturation
       * occurs in pods after cluster upgrade to Kubernetes 1.25" (Microsoft Learn, AKS
       * troubleshooting) and the Kubernetes docs, "About cgroup v2": "Some Java runtimes ...
       * need to be updated to a version that supports cgroup v2".
       */
      cgroupV1Only: z.strictObject({ rate: memoryRate }).optional(),
    })
    .optional(),
  env: z.record(z.string(), z.string({ error: 'expected a string (quote numbers)' })).optional(),
});

const tolerationSchema = z.strictObject({
  key: text.optional(),
  operator: z.enum(['Exists', 'Equal']).default('Equal'),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: seconds.optional(),
});

const pdbSchema = z
  .strictObject({ minAvailable: intOrPercent.optional(), maxUnavailable: intOrPercent.optional() })
  .refine((p) => (p.minAvailable === undefined) !== (p.maxUnavailable === undefined), {
    error: 'a PodDisruptionBudget takes exactly one of minAvailable or maxUnavailable',
  });

const serviceSchema = z.strictObject({
  /** Default: the workload's name. */
  name: name.optional(),
  type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).default('ClusterIP'),
  ports: z
    .array(
      z.strictObject({
        port,
        targetPort: port.optional(),
        protocol: z.enum(['TCP', 'UDP']).default('TCP'),
        name: name.optional(),
      }),
    )
    .min(1),
  /** Exposed through the ingress controller at this host and path. */
  ingress: z.strictObject({ host: text, path: z.string().startsWith('/').default('/') }).optional(),
});

const podTemplate = {
  containers: z.array(containerSchema).min(1),
  nodeSelector: labels.optional(),
  tolerations: z.array(tolerationSchema).default([]),
  hostNetwork: z.boolean().default(false),
  priorityClassName: text.optional(),
  service: serviceSchema.optional(),
};

export const deploymentSchema = z.strictObject({
  name,
  replicas: count,
  strategy: z
    .strictObject({ maxSurge: intOrPercent.optional(), maxUnavailable: intOrPercent.optional() })
    .optional(),
  pdb: pdbSchema.optional(),
  ...podTemplate,
});

export const daemonSetSchema = z.strictObject({
  name,
  /** Created at this time (a new agent rolled out during the story); present from the start when unset. */
  deployedAt: instant.optional(),
  maxUnavailable: intOrPercent.optional(),
  ...podTemplate,
});

export const statefulSetSchema = z.strictObject({
  name,
  replicas: count,
  pdb: pdbSchema.optional(),
  ...podTemplate,
});

const namespaceSchema = z.strictObject({
  name,
  labels: labels.default({}),
  deployments: z.array(deploymentSchema).default([]),
  daemonsets: z.array(daemonSetSchema).default([]),
  statefulsets: z.array(statefulSetSchema).default([]),
});

const workloadsSchema = z.strictObject({
  namespaces: z.array(namespaceSchema).min(1),
});

// ---------------------------------------------------------------------------------------
// Churn: healthy change that must not be mistaken for a cluster failure

const rollingDeploySchema = z.strictObject({
  workload: objectRef,
  every: duration,
  /** Each deploy lands up to this much later than the interval says. */
  jitter: duration.optional(),
  from: instant.optional(),
  until: instant.optional(),
});

const crashLoopSchema = z.strictObject({
  workload: objectRef,
  container: name,
  from: instant.optional(),
  until: instant.optional(),
  /** How many of its pods are affected; all when unset. */
  pods: positiveInt.optional(),
  exitCode: z.number().int().min(1).max(255).default(1),
  reason: z.enum(['Error', 'OOMKilled']).default('Error'),
  /** The last line the program logs before it exits: its own reason. */
  log: oneLine,
  /** How long it runs before exiting each time. */
  runsFor: duration.default('10s'),
});

const nodeChangeSchema = z.strictObject({
  at: instant,
  change: z.enum(['add', 'remove']),
  pool: name,
  count: positiveInt.default(1),
  /** Removals drain first (as a cluster autoscaler does). */
  drain: z.boolean().default(true),
});

const churnSchema = z.strictObject({
  rollingDeploys: z.array(rollingDeploySchema).default([]),
  crashLoops: z.array(crashLoopSchema).default([]),
  nodes: z.array(nodeChangeSchema).default([]),
});

// ---------------------------------------------------------------------------------------
// Timeline: faults, actions, heals

/**
 * Which nodes a fault or action applies to: pools, a label selector, names, and the
 * nodes' condition at that moment, narrowed to `count` of them (picked with the scenario's
 * seed); `spread` grows the set over time. Omitted filters match every worker.
 */
export const nodeTargetSchema = z
  .strictObject({
    pools: z.array(name).min(1).optional(),
    selector: labelSelector.optional(),
    names: z.array(text).min(1).optional(),
    condition: z.enum(['Ready', 'NotReady']).optional(),
    count: positiveInt.optional(),
    spread: z
      .strictObject({
        every: duration,
        add: positiveInt,
        /** Stop growing at this many nodes; all that match when unset. */
        upTo: positiveInt.optional(),
      })
      .optional(),
  })
  .refine((t) => t.spread === undefined || t.count !== undefined, {
    error: 'spread grows a set that starts with count nodes; give count too',
  });

export const componentSchema = z.enum([
  'control-plane',
  'kubelet',
  'service-proxy',
  'dns',
  'node-local-dns',
  'cni',
  'container-runtime',
  'node-image',
  'node-os',
  'distribution',
]);

const faultCommon = {
  /** Lets a later `heal` name this fault. */
  id: name.optional(),
  /** The fault heals itself after this long; otherwise it lasts until healed or cleared. */
  duration: duration.optional(),
  /** Ground truth in one line, for people reading the file; the simulator ignores it. */
  cause: oneLine.optional(),
};

const nodeFaultCommon = {
  ...faultCommon,
  nodes: nodeTargetSchema.default({}),
  /** What ends the fault on a node (besides `heal`). */
  clearedBy: z.array(z.enum(['reboot', 'replace', 'kubelet-restart'])).default(['reboot', 'replace']),
  /** Chance that one reboot clears it; 1 when unset. */
  rebootFixProbability: probability.optional(),
};

const nodeBreakage = z.enum([
  'network-total-loss',
  'network-partial-loss',
  'dns-broken',
  /** The node's own resolver only; pods resolve through cluster DNS as before. */
  'host-dns-broken',
  'kubelet-stopped',
  'node-hang',
]);

const net = networkFaultFields({ ...scalars, nodeTarget: nodeTargetSchema });

export const faultSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('kubelet-stop'),
    ...nodeFaultCommon,
  }),
  z.strictObject({
    type: z.literal('kubelet-flap'),
    ...nodeFaultCommon,
    /** Share of node status updates and lease renewals that fail. */
    statusUpdateFailureRate: probability,
  }),
  z
    .strictObject({
      type: z.literal('node-network'),
      ...nodeFaultCommon,
      loss: z.enum(['total', 'partial']),
      /** Share of packets lost, for partial loss. */
      rate: probability.optional(),
      /** Host processes (kubelet, kube-proxy) and/or pod traffic. */
      affects: z
        .array(z.enum(['host', 'pods']))
        .min(1)
        .default(['host', 'pods']),
      /** `inbound`: packets arrive but never reach the processes waiting for them. */
      direction: z.enum(['both', 'inbound', 'outbound']).default('both'),
    })
    .refine((f) => (f.loss === 'partial') === (f.rate !== undefined), {
      error: 'partial loss takes a rate (0-1); total loss takes none',
    }),
  z.strictObject({
    type: z.literal('node-dns'),
    ...nodeFaultCommon,
    effect: z.enum(['timeout', 'servfail', 'nxdomain', 'refused']).default('timeout'),
    /** Share of lookups that fail. */
    rate: probability.default(1),
    affects: z
      .array(z.enum(['host', 'pods']))
      .min(1)
      .default(['host', 'pods']),
  }),
  /**
   * Cluster DNS gets more queries than its replicas' memory limit allows: each replica is
   * OOMKilled soon after every start and the kubelet backs its restarts off, so lookups
   * fail everywhere (Zalando, January 2019: a retry storm, CoreDNS at 100Mi).
   */
  z.strictObject({
    type: z.literal('dns-overload'),
    ...faultCommon,
    /** How long a replica serves under the load before its memory limit kills it. */
    runsFor: duration.default('45s'),
    /**
     * When set, each run lasts a time drawn anew between `runsFor` and this: replicas fill
     * their memory at different rates (each gets its own share of the queries), so they are
     * killed at different times and rarely all at once.
     */
    runsForMax: duration.optional(),
  }),
  /**
   * Cluster DNS forwards to itself. CoreDNS's `forward . /etc/resolv.conf` reads the file the
   * kubelet gives a `dnsPolicy: Default` pod, the node's own (or the kubelet's `resolvConf`);
   * when it names a loopback stub (systemd-resolved's 127.0.0.53), that address inside the
   * pod is CoreDNS itself. The loop plugin (CoreDNS 1.2.1 on) sends a HINFO probe through
   * the forwarder at start-up, sees it come back more than twice and stops the process with
   * log.Fatalf (exit 1): every replica crash-loops with `[FATAL] plugin/loop: …` as its last
   * line, nodes stay Ready, and lookups fail everywhere. CoreDNS only; see the coredns loop
   * plugin README, "Troubleshooting loops in Kubernetes clusters".
   */
  z.strictObject({
    type: z.literal('dns-forward-loop'),
    ...faultCommon,
    /** How long a replica runs before the loop plugin stops it (its probe comes back at once). */
    runsFor: duration.default('6s'),
  }),
  /**
   * A workload's program starts leaking memory (a bad release, an unbounded cache, a
   * connection leak): from the fault on, each of its running containers' working set grows
   * by `rate`, and starts small again whenever the process restarts. Under a memory limit the
   * kernel OOMKills it at the limit (`OOMKilled`, exit 137) and the kubelet restarts it
   * with CrashLoopBackOff back-off; without one the node runs short: MemoryPressure and its
   * taint, `EvictionThresholdMet`, pods `Evicted` (the leaker first, as it uses most above
   * its request), and the trouble follows the workload to the node its new pod lands on.
   * Healing stops the leak; memory already taken is given back only by a restart.
   */
  z.strictObject({
    type: z.literal('memory-leak'),
    ...faultCommon,
    workload: objectRef,
    /** Every container of the workload when unset. */
    container: name.optional(),
    rate: memoryRate,
  }),
  /**
   * A workload's program writes to local disk without bound (a debug log level left on,
   * temporary files never removed, a cache in an emptyDir): from the fault on, each of its
   * running containers writes `rate` to its stdout log (`logs`), its writable layer
   * (`rootfs`, lost when the container restarts) or its pod's emptyDir (`emptyDir`). The node
   * fills: image GC finds too little to delete (`FreeDiskSpaceFailed`), DiskPressure and its
   * taint, `EvictionThresholdMet`, pods `Evicted` for ephemeral-storage (the writer first, as
   * it uses most), and the trouble follows the workload to its new pods' nodes. Healing
   * stops the writing; what was written stays until the pod goes.
   */
  z.strictObject({
    type: z.literal('disk-fill'),
    ...faultCommon,
    workload: objectRef,
    /** Every container of the workload when unset. */
    container: name.optional(),
    into: z.enum(['logs', 'rootfs', 'emptyDir']).default('logs'),
    rate: memoryRate,
  }),
  /**
   * A process on the nodes outside any pod writes to their root filesystem without bound: a
   * system log that rotates too seldom (/var/log/messages, syslog), a daemon's own files.
   * Pods write nothing extra, so the kubelet's eviction manager (pkg/kubelet/eviction) finds
   * no culprit it can reclaim: image GC frees too little (`FreeDiskSpaceFailed`, then
   * `ImageGCFailed`), DiskPressure and its taint, `EvictionThresholdMet`, and pods are
   * `Evicted` one after another for ephemeral-storage while the disk stays full. Healing
   * stops the writer and frees what it wrote (the files deleted or rotated away); a reboot
   * keeps the files, replacing the node starts clean.
   */
  z.strictObject({
    type: z.literal('node-disk-fill'),
    ...nodeFaultCommon,
    rate: memoryRate,
    /** What the writer's files already hold when the fault starts (it began before the scenario); healing frees it too. */
    written: memoryQuantity.optional(),
    /** What writes, for the reader (`rsyslog: /var/log/messages`). */
    writer: text.optional(),
  }),
  /**
   * A workload's program leaks processes or threads (children never reaped, a thread per
   * request never ended): each running container holds `rate` more from the fault on, until
   * it restarts. With a pid.available threshold the node reports PIDPressure and evicts;
   * without one (the kubelet's default) the kernel runs out of PIDs, nothing can fork, and the
   * kubelet goes NotReady with `PLEG is not healthy` until PIDs are freed.
   */
  z.strictObject({
    type: z.literal('pid-leak'),
    ...faultCommon,
    workload: objectRef,
    container: name.optional(),
    rate: processRate,
  }),
  z.strictObject({
    type: z.literal('service-routing'),
    ...nodeFaultCommon,
    /** Services whose VIP the node's proxy rules no longer forward; all when unset. */
    services: z.array(objectRef).min(1).optional(),
    /** drop: i/o timeout; reject: connection refused; stale: old endpoints. */
    effect: z.enum(['drop', 'reject', 'stale']).default('drop'),
  }),
  z.strictObject({
    type: z.literal('proxy-rule-format-mismatch'),
    ...nodeFaultCommon,
    /** The service proxy version now running on the nodes. */
    proxyVersion: version,
    /** The version whose rule format is on the nodes. */
    rulesVersion: version,
    /** Chance that one sync touching rules in the other format fails (more churn, more syncs). */
    syncFailureProbability: probability,
    /** Chance that a failed restore leaves the rules corrupt: later syncs there fail until the node restarts. */
    corruptionProbability: probability.default(0),
    /** The line `iptables-restore` reports as failed. */
    failedLine: positiveInt.optional(),
    retryInterval: duration.default('30s'),
  }),
  z.strictObject({
    type: z.literal('api-server-unreachable'),
    ...faultCommon,
    /** outside: kubectl and tools outside the cluster; pods: in-cluster clients; nodes: kubelets and proxies. */
    from: z
      .array(z.enum(['outside', 'pods', 'nodes']))
      .min(1)
      .default(['outside', 'pods', 'nodes']),
    /** timeout: connections hang; refuse: connections are refused. */
    mode: z.enum(['timeout', 'refuse']).default('timeout'),
  }),
  z
    .strictObject({
      type: z.literal('api-server-degraded'),
      ...faultCommon,
      latency: duration.optional(),
      errorRate: probability.optional(),
      status: z.literal([429, 500, 503]).default(503),
    })
    .refine((f) => f.latency !== undefined || f.errorRate !== undefined, {
      error: 'a degraded API server needs latency, errorRate or both',
    }),
  z.strictObject({
    type: z.literal('component-version-change'),
    ...faultCommon,
    component: componentSchema,
    to: version,
    nodes: nodeTargetSchema.optional(),
    /** Who changed it without the operator: the managed provider, or automation on the nodes. */
    by: z.enum(['provider', 'automation']).default('provider'),
  }),
  z.strictObject({
    type: z.literal('node-scheduled-job'),
    ...nodeFaultCommon,
    job: z.strictObject({
      name: text,
      onCalendar: dailyCalendar,
      randomizedDelay: duration.optional(),
      /** The job is killed when it runs longer than this. */
      timeout: duration.optional(),
      /** How long one run takes, drawn from this range each time. */
      runtime: z.strictObject({ min: duration, max: duration }),
      /** What a run changes on the node, which the node agent can see. */
      changes: z.strictObject({ kernel: text.optional(), packages: z.array(text).default([]) }).optional(),
    }),
    breaks: z.strictObject({
      /** timeout: only runs killed by the timeout break the node; always: every run. */
      when: z.enum(['timeout', 'always']),
      probability,
      effect: nodeBreakage,
    }),
  }),
  /**
   * The container runtime (containerd, dockerd, CRI-O) stops answering the kubelet in time on
   * the nodes: a daemon stuck on a lock, or tasks blocked on a saturated disk. The kubelet keeps
   * renewing its Lease; its PLEG relist hangs, so after 3 min the node is Ready=False with
   * `PLEG is not healthy: …` (and `container runtime is down` when the Status call hangs too),
   * pod statuses, exits and restarts freeze, new pods wait in ContainerCreating with
   * `FailedCreatePodSandBox … context deadline exceeded`, deletions stay Terminating
   * (`FailedKillPod`), and the node lifecycle controller taints the node not-ready and evicts.
   */
  z.strictObject({
    type: z.literal('runtime-stall'),
    ...nodeFaultCommon,
    /** A crawling runtime gets one relist through this often (the node flaps); unset: none do. */
    relistEvery: duration.optional(),
    /** Whether the runtime's Status call still answers (`container runtime is down` when it hangs). */
    statusCheck: z.enum(['answers', 'hangs']).default('answers'),
    /** What stalls it: the runtime itself, or the node's disk (the kernel reports tasks blocked on I/O). */
    origin: z.enum(['runtime', 'io-saturation']).default('runtime'),
  }),
  z.strictObject({
    type: z.literal('node-reboot'),
    ...nodeFaultCommon,
    downtime: duration.default('3m'),
  }),
  z.strictObject({
    type: z.literal('node-replace'),
    ...nodeFaultCommon,
    /** The provider deletes the machines; replacements join this much later. */
    replacementAfter: duration.default('5m'),
  }),
  z.strictObject({ ...nodeFaultCommon, ...net.bgpSessionBlocked }),
  z.strictObject({ ...nodeFaultCommon, ...net.overlayTunnelBlocked }),
  z.strictObject({ ...nodeFaultCommon, ...net.podIpLeak }),
  z.strictObject({ ...faultCommon, ...net.ipPoolExhausted }),
  z.strictObject({ ...nodeFaultCommon, ...net.conntrackFlood }),
  z.strictObject({ ...nodeFaultCommon, ...net.pathMtuDrop }),
  z.strictObject({ ...faultCommon, ...net.lbTargetsDeregistered }),
  z.strictObject({ ...faultCommon, ...net.lbHealthChecksFailing }),
  /**
   * A container registry refuses or cannot serve pulls: images whose reference names
   * `registry` (docker.io for short names such as `nginx`) fail to pull wherever a node
   * must fetch them (a new or replaced node, a pod on a node that never ran the image,
   * imagePullPolicy Always). Pods already running keep their images.
   */
  z
    .strictObject({
      type: z.literal('registry-outage'),
      ...faultCommon,
      /** Registry host as image references name it: `quay.io`, `docker.io`, `123.dkr.ecr.eu-west-1.amazonaws.com`. */
      registry: text,
      /** unavailable: 5xx; rate-limited: 429 (Docker Hub `toomanyrequests`); unauthorized: 401 (credentials expired); not-found: manifest unknown. */
      answer: z.enum(['unavailable', 'rate-limited', 'unauthorized', 'not-found']),
      /** HTTP status: 500, 502 or 503 when unavailable (default 503); 401 or 403 when unauthorized (default 401). */
      status: z.literal([401, 403, 500, 502, 503]).optional(),
      /** Share of pulls that get the answer (a rate limit lets some through). */
      share: probability.default(1),
      /** Only pulls from these nodes (their credentials, their egress IP); every node when unset. */
      nodes: nodeTargetSchema.optional(),
    })
    .refine(
      (f) =>
        f.status === undefined ||
        (f.answer === 'unavailable' && f.status >= 500) ||
        (f.answer === 'unauthorized' && f.status < 500),
      {
        error: 'status is 500, 502 or 503 for unavailable, 401 or 403 for unauthorized, and unset otherwise',
      },
    ),
  ...controlPlaneFaultSchemas,
]);

const rollingPace = {
  maxUnavailable: positiveInt.default(1),
  /** At least this long between the starts of consecutive batches. */
  interval: duration.optional(),
  /** Cordon and drain through the eviction API (PDBs honoured) before touching a node. */
  drain: z.boolean().default(true),
  /** Wait for a batch to be Ready before the next. */
  waitReady: z.boolean().default(true),
};

const actionCommon = {
  id: name.optional(),
  by: z.enum(['operator', 'provider']).default('operator'),
};

const versionChange = {
  ...actionCommon,
  component: componentSchema,
  from: version.optional(),
  to: version,
  nodes: nodeTargetSchema.optional(),
  method: z.enum(['in-place', 'surge']).default('in-place'),
  /** For node-image and node-os changes. */
  kernel: text.optional(),
  osImage: text.optional(),
  /** For node-image changes: the kubelet the provider's new image carries (AKS, EKS and GKE images each ship one). */
  kubeletVersion: version.optional(),
  /** For node-image and node-os changes: the cgroup hierarchy the new OS mounts. */
  cgroup: z.enum(['v1', 'v2']).optional(),
  /** The tool doing it (k0sctl, az aks upgrade, ...), for the record. */
  tool: text.optional(),
  maxUnavailable: positiveInt.optional(),
  interval: duration.optional(),
};

export const actionSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('restart-nodes'),
    ...actionCommon,
    nodes: nodeTargetSchema,
    ...rollingPace,
  }),
  z.strictObject({
    type: z.literal('replace-nodes'),
    ...actionCommon,
    nodes: nodeTargetSchema,
    ...rollingPace,
    image: text.optional(),
  }),
  z.strictObject({ type: z.literal('restart-kubelet'), ...actionCommon, nodes: nodeTargetSchema }),
  z.strictObject({ type: z.literal('cordon-nodes'), ...actionCommon, nodes: nodeTargetSchema }),
  z.strictObject({ type: z.literal('drain-nodes'), ...actionCommon, nodes: nodeTargetSchema }),
  z.strictObject({ type: z.literal('uncordon-nodes'), ...actionCommon, nodes: nodeTargetSchema }),
  z.strictObject({ type: z.literal('upgrade'), ...versionChange }),
  z.strictObject({ type: z.literal('rollback'), ...versionChange }),
  z.strictObject({ type: z.literal('restart-workload'), ...actionCommon, workload: objectRef }),
  z.strictObject({
    type: z.literal('scale-workload'),
    ...actionCommon,
    workload: objectRef,
    replicas: count,
  }),
  z.strictObject({
    type: z.literal('set-env'),
    ...actionCommon,
    workload: objectRef,
    /** Every container when unset. */
    container: name.optional(),
    env: z.record(z.string(), z.string({ error: 'expected a string (quote numbers)' })),
  }),
  /**
   * `kubectl set resources`: one container's requests and limits, merged over what it has.
   * The pod template changes, so the workload rolls out new pods carrying them.
   */
  z
    .strictObject({
      type: z.literal('set-resources'),
      ...actionCommon,
      workload: objectRef,
      container: name,
      requests: resourceList.optional(),
      limits: resourceList.optional(),
    })
    .refine((a) => Object.keys({ ...a.requests, ...a.limits }).length > 0, {
      error: 'set-resources needs at least one request or limit (cpu, memory, ephemeral-storage)',
      when: (payload) => payload.issues.length === 0,
    }),
  /** `kubectl set image`: one container's image; the workload rolls out as for any template change. */
  z.strictObject({
    type: z.literal('set-image'),
    ...actionCommon,
    workload: objectRef,
    container: name,
    image: text,
  }),
  z.strictObject({
    type: z.literal('disable-node-timer'),
    ...actionCommon,
    timer: text,
    nodes: nodeTargetSchema.default({}),
    /** A DaemonSet that disables it on every node, present and future, or by hand. */
    via: z.enum(['daemonset', 'ssh']).default('daemonset'),
  }),
  /** The workloads move to a freshly built cluster; this one is left as it is. */
  z.strictObject({ type: z.literal('rebuild-cluster'), ...actionCommon, what: oneLine }),
  /** Something done outside the cluster (a provider ticket, a DNS change); no effect here. */
  z.strictObject({ type: z.literal('outside-cluster'), ...actionCommon, what: oneLine }),
  z.strictObject({
    ...actionCommon,
    ...networkActionFields({ ...scalars, nodeTarget: nodeTargetSchema }).labelNodes,
  }),
  z.strictObject({
    ...actionCommon,
    ...networkActionFields({ ...scalars, nodeTarget: nodeTargetSchema }).registerLbTargets,
  }),
  ...admissionWebhookActionSchemas,
  renewCertificatesActionSchema,
]);

const healSchema = z.strictObject({
  /** The `id` of an earlier fault, or `all`. */
  fault: z.string({ error: 'expected the id of an earlier fault, or all' }),
  /** Only on these nodes; everywhere when unset. */
  nodes: nodeTargetSchema.optional(),
});

export const timelineEntrySchema = z
  .strictObject({
    at: instant,
    /** What the real people saw or did then, for the reader. */
    note: oneLine.optional(),
    fault: faultSchema.optional(),
    action: actionSchema.optional(),
    heal: healSchema.optional(),
  })
  .refine((e) => [e.fault, e.action, e.heal].filter((x) => x !== undefined).length === 1, {
    error: 'each timeline entry takes exactly one of fault, action or heal',
  });

// ---------------------------------------------------------------------------------------
// Expected diagnosis: for scoring only, never shown to the pipeline

/**
 * What a scenario's root cause is, in the catalogue's pattern ids (plus `healthy`). Listed
 * up front for every failure family, because a scenario is written from its source before
 * the pattern that would recognise it exists.
 */
export const categorySchema = z.enum([
  'healthy',
  // Nodes: network, scheduled jobs, one sick node, images and kernels.
  'node-network',
  'node-dns',
  'kubelet-failure',
  'node-scheduled-job',
  'node-lifecycle',
  'node-image-regression',
  // Node resources and the runtime.
  'node-memory-exhaustion',
  'node-disk-exhaustion',
  'node-pid-exhaustion',
  'workload-exhausts-node',
  'node-io-saturation',
  'container-runtime-failure',
  'kubelet-api-throttling',
  'resource-pressure',
  // The control plane and admission.
  'control-plane-unreachable',
  'control-plane-degraded',
  'api-server-overload',
  'control-plane-component-loop',
  'admission-webhook-failure',
  'certificate-expiry',
  // Networking inside the cluster, DNS and system components.
  'service-routing',
  'service-proxy-sync-failure',
  'cluster-dns',
  'dns-overload',
  'system-component-at-limits',
  'pod-network-broken',
  'pod-ip-exhaustion',
  'conntrack-exhaustion',
  'mtu-mismatch',
  // Outside the cluster, images, changes.
  'edge-traffic-path',
  'provider-network',
  'image-pull-failure',
  'change-induced-regression',
  'upgrade-regression',
  // One workload's own trouble.
  'app-bug',
  'bad-rollout',
]);

const expectedSchema = z.strictObject({
  category: categorySchema,
  /** When the failure began: the earliest moment a tool could see it. Unset when healthy. */
  onset: instant.optional(),
  /** When a great tool has named it (the bar the scenario sets). */
  detectBy: instant.optional(),
  scope: z
    .strictObject({
      /** Nodes affected at the worst moment. */
      nodes: count.optional(),
      pools: z.array(name).default([]),
      namespaces: z.array(name).default([]),
      services: z.array(objectRef).default([]),
    })
    .default({ pools: [], namespaces: [], services: [] }),
  rootCause: oneLine,
  lookAlikes: z.array(z.strictObject({ category: categorySchema, why: oneLine })).default([]),
  nextSteps: z.array(oneLine).default([]),
  /** Responses that make it worse. */
  avoid: z.array(oneLine).default([]),
  /** The real incident's timings, the bar to beat. */
  realTimeline: z
    .strictObject({
      impactStart: instant.optional(),
      noticed: instant.optional(),
      identified: instant.optional(),
      mitigated: instant.optional(),
      resolved: instant.optional(),
    })
    .optional(),
});

// ---------------------------------------------------------------------------------------
// The file

const scenarioObject = z.strictObject({
  name,
  description: z
    .string({ error: 'expected a one-line description' })
    .regex(/^[^\n\r]{1,120}$/, { error: 'expected a one-line description (at most 120 characters)' }),
  source: z.strictObject({
    /** The postmortem's title, or what the scenario is made from. */
    title: oneLine,
    /** The postmortem's file in shared/seeds. */
    seed: z
      .string()
      .regex(/^\d{3}_[0-9a-f]{16}\.txt$/, {
        error: 'expected a seed file name such as 000_86ced63331947a85.txt',
      })
      .optional(),
    /** Where the public postmortem or issue thread is (corpus scenarios). */
    urls: z
      .array(z.url({ error: 'expected a URL' }))
      .min(1)
      .optional(),
    /** When the source was published, YYYY-MM-DD. */
    published: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a date such as 2023-03-20' })
      .optional(),
    /** The corpus family it belongs to, for the scorecard (FAILURES.md). */
    family: oneLine.optional(),
  }),
  start: isoTime,
  duration,
  /** Seeds every random choice, so a replay gives the same result every run. */
  seed: z
    .number({ error: 'expected a whole number' })
    .int({ error: 'expected a whole number' })
    .nonnegative({ error: 'expected a whole number' })
    .max(Number.MAX_SAFE_INTEGER, { error: 'expected a whole number' }),
  cluster: clusterSchema,
  workloads: workloadsSchema,
  churn: churnSchema.default({ rollingDeploys: [], crashLoops: [], nodes: [] }),
  timeline: z.array(timelineEntrySchema).default([]),
  expected: expectedSchema,
});

export type Scenario = z.infer<typeof scenarioObject>;
export type ScenarioInput = z.input<typeof scenarioObject>;
export type NodePool = z.infer<typeof nodePoolSchema>;
export type Container = z.infer<typeof containerSchema>;
export type Deployment = z.infer<typeof deploymentSchema>;
export type DaemonSet = z.infer<typeof daemonSetSchema>;
export type StatefulSet = z.infer<typeof statefulSetSchema>;
export type NodeTarget = z.infer<typeof nodeTargetSchema>;
export type Fault = z.infer<typeof faultSchema>;
export type FaultType = Fault['type'];
export type Action = z.infer<typeof actionSchema>;
export type ActionType = Action['type'];
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;
export type Component = z.infer<typeof componentSchema>;
export type Category = z.infer<typeof categorySchema>;
export type Expected = z.infer<typeof expectedSchema>;

/** The whole file: shape, then the references between its parts (see references.ts). */
export const scenarioSchema = scenarioObject.superRefine(
  (scenario, ctx) => {
    for (const issue of scenarioReferenceIssues(scenario)) {
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }
  },
  // Cross-references are only meaningful once every field is well formed.
  { when: (payload) => payload.issues.length === 0 },
);
