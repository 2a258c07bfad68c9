/**
 * The container registries the nodes pull from, as far as a scenario breaks them: a
 * registry host that answers every pull (or a share of them) with an error. Which error
 * text the kubelet then records is the runtime's own: containerd's resolver and fetcher
 * (remotes/docker/resolver.go, remotes/errors ErrUnexpectedStatus: `unexpected status from
 * HEAD request to <url>: 503 Service Unavailable`; before 1.7 `pulling from host <h> failed
 * with status code [manifests <tag>]: …`) or dockershim's `Error response from daemon: …`.
 * The Docker Hub 429 texts are those kubelets recorded (containerd: "failed to copy:
 * httpReadSeeker: failed open: unexpected status code …: 429 Too Many Requests - Server
 * message: toomanyrequests: …", namespacelabs/foundation#846; Docker:
 * kubernetes/autoscaler#3710; Docker's 5xx on the manifest: "Error response from daemon: Get
 * https://quay.io/v2/…/manifests/…: received unexpected HTTP status: 500 Internal Server
 * Error", flannel-io/flannel#1297). CRI-O is told in containerd's words here. Registries
 * without a fault serve every pull.
 */

export type RegistryAnswer = 'unavailable' | 'rate-limited' | 'unauthorized' | 'not-found';

export interface RegistryFault {
  /** Registry host as image references name it; `docker.io` for short names. */
  host: string;
  answer: RegistryAnswer;
  /** HTTP status: 500, 502 or 503 when unavailable (503 unset); 401 or 403 when unauthorized (401 unset). */
  status?: 401 | 403 | 500 | 502 | 503;
  /** Share of pulls that get the answer, 0..1. */
  share: number;
  /**
   * Only pulls from these nodes get the answer (credentials kept on the nodes, a per-IP
   * rate limit); every node's when unset.
   */
  nodes?: Set<string>;
}

const dockerHubAliases = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** The registry host of an image reference, as the runtime resolves it (docker.io for `nginx`, `org/app`). */
export function registryHost(image: string): string {
  const first = image.split('/')[0];
  if (!image.includes('/') || !/[.:]|^localhost$/.test(first)) return 'docker.io';
  return dockerHubAliases.has(first) ? 'docker.io' : first;
}

interface Reference {
  /** `docker.io/library/nginx:1.25`, as containerd names it. */
  full: string;
  /** The host the runtime talks to (`registry-1.docker.io` for Docker Hub). */
  endpoint: string;
  /** Repository path: `library/nginx`. */
  repository: string;
  /** Tag, or the digest. */
  tag: string;
}

/** Normalises a reference as the runtime does (docker/distribution ParseNormalizedNamed). */
export function parseReference(image: string): Reference {
  const host = registryHost(image);
  const explicitHost = image.includes('/') && /[.:]|^localhost$/.test(image.split('/')[0]);
  let rest = explicitHost ? image.slice(image.indexOf('/') + 1) : image;
  let tag = 'latest';
  const at = rest.indexOf('@');
  if (at >= 0) {
    tag = rest.slice(at + 1);
    rest = rest.slice(0, at);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    }
  }
  const repository = host === 'docker.io' && !rest.includes('/') ? `library/${rest}` : rest;
  const sep = tag.includes(':') ? '@' : ':';
  return {
    full: `${host}/${repository}${sep}${tag}`,
    endpoint: host === 'docker.io' ? 'registry-1.docker.io' : host,
    repository,
    tag,
  };
}

const statusText: Record<number, string> = {
  401: '401 Unauthorized',
  403: '403 Forbidden',
  429: '429 Too Many Requests',
  500: '500 Internal Server Error',
  502: '502 Bad Gateway',
  503: '503 Service Unavailable',
};

const dockerHubRateLimit =
  'toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit';

/** A digest the manifest list would resolve to; stable per reference. */
function digestOf(ref: string): string {
  let h = 0x811c9dc5;
  let out = '';
  for (let round = 0; out.length < 64; round++) {
    for (let i = 0; i < ref.length; i++) h = Math.imul(h ^ ref.charCodeAt(i), 0x01000193) >>> 0;
    h = Math.imul(h ^ round, 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 64);
}

/** The runtime family and whether containerd is 1.7 or later (the ErrUnexpectedStatus wording). */
function runtimeOf(containerRuntime: string | undefined): 'docker' | 'containerd-1.6' | 'containerd' {
  const [name, version = ''] = (containerRuntime ?? 'containerd://1.7.0').split('://');
  if (name === 'docker') return 'docker';
  const [major, minor] = version.split('.').map(Number);
  if (name === 'containerd' && (major < 1 || (major === 1 && minor < 7))) return 'containerd-1.6';
  return 'containerd';
}

/**
 * The error the runtime hands the kubelet for a failed pull of `image` (the part after
 * `Failed to pull image "x": ` in the kubelet's event, and the waiting message).
 */
export function pullErrorText(
  image: string,
  f: Pick<RegistryFault, 'answer' | 'status'>,
  containerRuntime?: string,
): string {
  const r = parseReference(image);
  const runtime = runtimeOf(containerRuntime);
  const code =
    f.answer === 'unavailable'
      ? (f.status ?? 503)
      : f.answer === 'rate-limited'
        ? 429
        : f.status === 403
          ? 403
          : 401;
  const status = statusText[code];
  if (runtime === 'docker') {
    const daemon = 'rpc error: code = Unknown desc = Error response from daemon:';
    switch (f.answer) {
      case 'unavailable':
        return `${daemon} Get https://${r.endpoint}/v2/${r.repository}/manifests/${r.tag}: received unexpected HTTP status: ${status}`;
      case 'rate-limited':
        return r.endpoint === 'registry-1.docker.io'
          ? `${daemon} ${dockerHubRateLimit}`
          : `${daemon} received unexpected HTTP status: ${status}`;
      case 'unauthorized':
        return `${daemon} Get https://${r.endpoint}/v2/${r.repository}/manifests/${r.tag}: unauthorized: authentication required`;
      case 'not-found':
        return `${daemon} manifest for ${image} not found: manifest unknown: manifest unknown`;
    }
  }
  const unpack = `failed to pull and unpack image "${r.full}"`;
  const resolve = `failed to resolve reference "${r.full}"`;
  if (f.answer === 'not-found')
    return `rpc error: code = NotFound desc = ${unpack}: ${resolve}: ${r.full}: not found`;
  // Docker Hub counts manifest GETs, not HEADs: the resolve succeeds and the fetch by digest is refused.
  if (f.answer === 'rate-limited' && r.endpoint === 'registry-1.docker.io')
    return `rpc error: code = Unknown desc = ${unpack}: failed to copy: httpReadSeeker: failed open: unexpected status code https://${r.endpoint}/v2/${r.repository}/manifests/sha256:${digestOf(r.full)}: ${status} - Server message: ${dockerHubRateLimit}`;
  if (f.answer === 'unauthorized') {
    const service = r.endpoint === 'registry-1.docker.io' ? 'registry.docker.io' : r.endpoint;
    const realm = r.endpoint === 'registry-1.docker.io' ? 'auth.docker.io' : r.endpoint;
    const url = `https://${realm}/token?scope=repository%3A${encodeURIComponent(r.repository)}%3Apull&service=${service}`;
    // Before 1.7 the token fetch's error names no request (kubernetes/kops#15942).
    const refusedToken =
      runtime === 'containerd-1.6'
        ? `unexpected status: ${status}`
        : `unexpected status from GET request to ${url}: ${status}`;
    return `rpc error: code = Unknown desc = ${unpack}: ${resolve}: failed to authorize: failed to fetch oauth token: ${refusedToken}`;
  }
  const manifests = `https://${r.endpoint}/v2/${r.repository}/manifests/${r.tag}`;
  const refused =
    runtime === 'containerd-1.6'
      ? `pulling from host ${r.endpoint} failed with status code [manifests ${r.tag}]: ${status}`
      : `unexpected status from HEAD request to ${manifests}: ${status}`;
  return `rpc error: code = Unknown desc = ${unpack}: ${resolve}: ${refused}`;
}

/** Size in bytes the runtime reports for a successful pull; stable per image. */
export function imageSizeBytes(image: string): number {
  return 20_000_000 + (Number.parseInt(digestOf(image).slice(0, 6), 16) % 180_000_000);
}

export class ImageRegistries {
  private readonly faults = new Map<string, RegistryFault>();
  private readonly random: () => number;

  constructor(random: () => number) {
    this.random = random;
  }

  set(id: string, fault: RegistryFault): void {
    this.faults.set(id, { ...fault, host: registryHost(`${fault.host}/x`) });
  }

  /** The fault reaches one more node, or leaves one (a node-scoped fault only). */
  setNode(id: string, node: string, on: boolean): void {
    const nodes = this.faults.get(id)?.nodes;
    if (!nodes) return;
    if (on) nodes.add(node);
    else nodes.delete(node);
  }

  clear(id: string): void {
    this.faults.delete(id);
  }

  /** Whether any registry is broken now: without, pulls are not modelled at all. */
  get broken(): boolean {
    return this.faults.size > 0;
  }

  /** Whether a pull of `image` from `node` goes to a broken registry. */
  affects(image: string, node?: string): boolean {
    if (this.faults.size === 0) return false;
    const host = registryHost(image);
    for (const f of this.faults.values()) if (f.host === host && reaches(f, node)) return true;
    return false;
  }

  /** One pull of `image` from `node`: the runtime's error, or undefined when the registry serves it. */
  pull(image: string, containerRuntime?: string, node?: string): string | undefined {
    const host = registryHost(image);
    for (const f of this.faults.values()) {
      if (f.host !== host || !reaches(f, node)) continue;
      // Only a partial fault throws the dice, so whole outages replay without a draw.
      if (f.share < 1 && this.random() >= f.share) continue;
      return pullErrorText(image, f, containerRuntime);
    }
    return undefined;
  }
}

function reaches(f: RegistryFault, node: string | undefined): boolean {
  return !f.nodes || (node !== undefined && f.nodes.has(node));
}
