/**
 * Container logs as the kubelet keeps them: per container, the current instance and the
 * previous one (kept across one restart, which `kubectl logs -p` reads), each bounded like
 * the kubelet's rotated log files. Followers are told of new lines as they arrive.
 */

export interface LogLine {
  atMs: number;
  text: string;
}

interface ContainerLogs {
  current: LogLine[];
  previous?: LogLine[];
  followers: Set<(line: LogLine) => void>;
}

export class PodLogBook {
  private readonly logs = new Map<string, ContainerLogs>();
  private readonly maxLines: number;

  constructor(maxLinesPerInstance = 10_000) {
    this.maxLines = maxLinesPerInstance;
  }

  private slot(namespace: string, pod: string, container: string): ContainerLogs {
    const key = `${namespace}/${pod}/${container}`;
    let c = this.logs.get(key);
    if (!c) {
      c = { current: [], followers: new Set() };
      this.logs.set(key, c);
    }
    return c;
  }

  append(namespace: string, pod: string, container: string, text: string, atMs: number): void {
    const c = this.slot(namespace, pod, container);
    for (const piece of text.split('\n')) {
      const line = { atMs, text: piece };
      c.current.push(line);
      for (const f of c.followers) f(line);
    }
    if (c.current.length > this.maxLines) c.current.splice(0, c.current.length - this.maxLines);
  }

  /** A container restarted: its log becomes the previous instance's. */
  restart(namespace: string, pod: string, container: string): void {
    const c = this.slot(namespace, pod, container);
    c.previous = c.current;
    c.current = [];
  }

  lines(namespace: string, pod: string, container: string, previous: boolean): LogLine[] | undefined {
    const c = this.logs.get(`${namespace}/${pod}/${container}`);
    if (!c) return previous ? undefined : [];
    return previous ? c.previous : c.current;
  }

  follow(namespace: string, pod: string, container: string, listener: (line: LogLine) => void): () => void {
    const c = this.slot(namespace, pod, container);
    c.followers.add(listener);
    return () => c.followers.delete(listener);
  }

  /** Forget a deleted pod's logs. */
  forgetPod(namespace: string, pod: string): void {
    const prefix = `${namespace}/${pod}/`;
    for (const key of this.logs.keys()) if (key.startsWith(prefix)) this.logs.delete(key);
  }
}
