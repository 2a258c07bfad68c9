/**
 * `nodes/{name}[:port]/proxy/...`: the API server's proxy to per-node component
 * endpoints. A real apiserver dials the node's address; here each node's components
 * register handlers by port (10250 kubelet by default, 10249 kube-proxy metrics, 10256
 * kube-proxy healthz), and the answer is passed through as it is.
 */

export interface ProxyRequest {
  method: string;
  /** Path below `/proxy`, with a leading slash. */
  path: string;
  query: URLSearchParams;
}

export interface ProxyResponse {
  status: number;
  contentType: string;
  body: string;
}

export type ProxyHandler = (req: ProxyRequest) => ProxyResponse;

/** The kubelet's port, used when the node name carries none. */
export const kubeletPort = 10250;

interface Listener {
  handler: ProxyHandler;
  /** Whether the process behind the port runs now; a stopped one refuses the dial. */
  listening?: () => boolean;
}

export class NodeProxyRegistry {
  private readonly handlers = new Map<string, Listener>();

  register(
    node: string,
    port: number,
    handler: ProxyHandler,
    o: { listening?: () => boolean } = {},
  ): () => void {
    const key = `${node}:${port}`;
    this.handlers.set(key, { handler, listening: o.listening });
    return () => {
      if (this.handlers.get(key)?.handler === handler) this.handlers.delete(key);
    };
  }

  /** The machine is gone: nothing answers on any of its ports. */
  unregister(node: string): void {
    for (const key of [...this.handlers.keys()]) if (key.startsWith(`${node}:`)) this.handlers.delete(key);
  }

  lookup(node: string, port: number): ProxyHandler | undefined {
    return this.handlers.get(`${node}:${port}`)?.handler;
  }

  /** Whether the process behind the port runs now: a stopped one refuses the dial. */
  listening(node: string, port: number): boolean {
    return this.handlers.get(`${node}:${port}`)?.listening?.() ?? true;
  }
}

/** Pods' endpoints live in the same registry under this key (no node name has a slash). */
export function podEndpointKey(namespace: string, pod: string): string {
  return `pods/${namespace}/${pod}`;
}

/** Splits `n1:10249` (or `https:n1:10250`) into node name and port. */
export function parseProxyTarget(name: string): { node: string; port: number } {
  const parts = name.split(':');
  if (parts.length === 3) return { node: parts[1], port: Number(parts[2]) || kubeletPort };
  if (parts.length === 2) return { node: parts[0], port: Number(parts[1]) || kubeletPort };
  return { node: name, port: kubeletPort };
}
