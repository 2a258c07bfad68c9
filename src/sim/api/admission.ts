/**
 * What kube-apiserver adds to an object on its way in: API defaults (SetDefaults_*),
 * the admission plugins every cluster runs (DefaultTolerationSeconds, ServiceAccount), and
 * ClusterIP allocation. Clients read these fields back, so they must be there.
 */
import { isObject, type KubeObject } from './k8s-types.ts';
import type { ResourceType } from './resources.ts';
import { invalid } from './status.ts';

/** DNS-1123 subdomain: the rule for most object names (apimachinery validation). */
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** DNS-1123 label: namespaces and services. */
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function validateName(r: ResourceType, name: string): void {
  const label = r.plural === 'namespaces' || r.plural === 'services';
  const ok = label
    ? dns1123Label.test(name) && name.length <= 63
    : dns1123Subdomain.test(name) && name.length <= 253;
  if (ok) return;
  // Events use generated names with dots; nodes may carry dots; both pass the subdomain rule.
  const rule = label
    ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  throw invalid(r.kind, r.group, name, [
    { reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${name}": ${rule}` },
  ]);
}

/** Hands out ClusterIPs from the kubeadm default service CIDR 10.96.0.0/12. */
export class ClusterIpAllocator {
  private next = 11; // .1 is `kubernetes`, .10 is `kube-dns` (kubeadm GetDNSIP)
  private readonly used = new Set<string>(['10.96.0.1', '10.96.0.10']);

  allocate(): string {
    for (;;) {
      const n = this.next++;
      const ip = `10.${96 + ((n >> 16) & 0x0f)}.${(n >> 8) & 0xff}.${n & 0xff}`;
      if (!this.used.has(ip) && (n & 0xff) !== 0) {
        this.used.add(ip);
        return ip;
      }
    }
  }

  reserve(ip: string): void {
    this.used.add(ip);
  }
}

type Obj = Record<string, unknown>;

function ensureObject(parent: Obj, key: string): Obj {
  const v = parent[key];
  if (isObject(v)) return v;
  const o: Obj = {};
  parent[key] = o;
  return o;
}

/**
 * Applies create-time defaults in place. Only Services need the ClusterIP allocator;
 * controllers creating pods pass none.
 */
export function admitCreate(r: ResourceType, obj: KubeObject, ips?: ClusterIpAllocator): void {
  switch (r.storage) {
    case 'pods':
      defaultPod(obj);
      break;
    case 'namespaces': {
      const status = ensureObject(obj, 'status');
      status.phase ??= 'Active';
      const spec = ensureObject(obj, 'spec');
      spec.finalizers ??= ['kubernetes'];
      obj.metadata.labels = {
        ...obj.metadata.labels,
        'kubernetes.io/metadata.name': obj.metadata.name ?? '',
      };
      break;
    }
    case 'services': {
      if (!ips) throw new Error(`admitting Service ${obj.metadata.name}: a ClusterIP allocator is needed`);
      const spec = ensureObject(obj, 'spec');
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      if (spec.clusterIP === undefined || spec.clusterIP === '') spec.clusterIP = ips.allocate();
      else if (typeof spec.clusterIP === 'string' && spec.clusterIP !== 'None') ips.reserve(spec.clusterIP);
      spec.clusterIPs ??= [spec.clusterIP];
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
      spec.internalTrafficPolicy ??= 'Cluster';
      if (Array.isArray(spec.ports)) {
        for (const p of spec.ports) {
          if (isObject(p)) {
            p.protocol ??= 'TCP';
            p.targetPort ??= p.port;
          }
        }
      }
      obj.status ??= { loadBalancer: {} };
      break;
    }
    case 'nodes': {
      const status = ensureObject(obj, 'status');
      status.daemonEndpoints ??= { kubeletEndpoint: { Port: 10250 } };
      break;
    }
    default:
  }
}

/** SetDefaults_Pod/PodSpec/Container plus the DefaultTolerationSeconds and ServiceAccount admission plugins. */
function defaultPod(pod: KubeObject): void {
  const spec = ensureObject(pod, 'spec');
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  spec.serviceAccountName ??= 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  spec.priority ??= 0;
  for (const key of ['containers', 'initContainers']) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!isObject(c)) continue;
      c.terminationMessagePath ??= '/dev/termination-log';
      c.terminationMessagePolicy ??= 'File';
      c.imagePullPolicy ??= typeof c.image === 'string' && pullsAlways(c.image) ? 'Always' : 'IfNotPresent';
      c.resources ??= {};
      defaultRequestsToLimits(c.resources as Obj);
    }
  }
  const tolerations = Array.isArray(spec.tolerations) ? (spec.tolerations as Obj[]) : [];
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    const has = tolerations.some(
      (t) => t.key === key && (t.effect === 'NoExecute' || t.effect === undefined),
    );
    if (!has) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  spec.tolerations = tolerations;
  const status = ensureObject(pod, 'status');
  status.phase ??= 'Pending';
  status.qosClass ??= qosClass(Array.isArray(spec.containers) ? (spec.containers as Obj[]) : []);
}

/** SetDefaults_Pod: a resource with a limit and no request is requested at its limit. */
function defaultRequestsToLimits(resources: Obj): void {
  if (!isObject(resources.limits)) return;
  const requests = isObject(resources.requests) ? resources.requests : {};
  for (const [k, v] of Object.entries(resources.limits)) requests[k] ??= v;
  if (Object.keys(requests).length) resources.requests = requests;
}

/**
 * The pod's QoS class (pkg/apis/core/helper/qos GetPodQOS), over cpu and memory only:
 * BestEffort when no container requests or limits either, Guaranteed when every container
 * has both limited and requested at exactly the limit (quantities compared as written),
 * Burstable otherwise.
 */
function qosClass(containers: readonly Obj[]): string {
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const r = isObject(c.resources) ? c.resources : {};
    const requests = isObject(r.requests) ? r.requests : {};
    const limits = isObject(r.limits) ? r.limits : {};
    for (const k of ['cpu', 'memory']) {
      if (requests[k] !== undefined || limits[k] !== undefined) any = true;
      if (limits[k] === undefined || requests[k] !== limits[k]) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/**
 * The API server's default pull policy (pkg/apis/core/v1/defaults.go SetDefaults_Container):
 * Always for `:latest` or no tag at all, IfNotPresent otherwise (a digest pins the image).
 */
function pullsAlways(image: string): boolean {
  if (image.includes('@')) return false;
  const last = image.slice(image.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  return colon < 0 || last.slice(colon + 1) === 'latest';
}
