/**
 * GET pods/{name}/log: container choice, previous instance, sinceSeconds/sinceTime,
 * tailLines, limitBytes, timestamps and follow, with the kubelet's and apiserver's own
 * 400 messages (kubernetes.md §2.3).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../time/clock.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { sendText } from './http-io.ts';
import type { KubeObject } from './k8s-types.ts';
import type { LogLine, PodLogBook } from './pod-log-book.ts';
import type { ResourceType } from './resources.ts';
import { badRequest, internalError } from './status.ts';

interface ContainerStatusView {
  name: string;
  state?: { waiting?: { reason?: string }; running?: unknown; terminated?: unknown };
  lastState?: { terminated?: unknown };
}

interface PodView {
  spec?: {
    nodeName?: string;
    containers?: { name: string }[];
    initContainers?: { name: string }[];
    ephemeralContainers?: { name: string }[];
  };
  status?: { containerStatuses?: ContainerStatusView[]; initContainerStatuses?: ContainerStatusView[] };
}

function optionalInt(q: URLSearchParams, name: string): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw badRequest(`invalid value for ${name}: ${raw}`);
  return n;
}

/** RFC3339Nano as the kubelet prints it with --timestamps. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

export function handlePodLog(opts: {
  store: ObjectStore;
  clock: Clock;
  logs: PodLogBook;
  podType: ResourceType;
  namespace: string;
  name: string;
  req: IncomingMessage;
  res: ServerResponse;
  q: URLSearchParams;
  /** Whether the API server can reach the pod's node (its kubelet serves the log). */
  nodeReachable?: (node: string) => boolean;
}): void {
  const { store, clock, logs, podType, namespace, name, req, res, q } = opts;
  const pod = store.get(podType, namespace, name) as KubeObject & PodView;
  const containers = [
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.initContainers ?? []),
    ...(pod.spec?.ephemeralContainers ?? []),
  ].map((c) => c.name);
  let container = q.get('container') ?? '';
  if (!container) {
    if ((pod.spec?.containers ?? []).length === 1) container = pod.spec!.containers![0].name;
    else {
      throw badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${(pod.spec?.containers ?? []).map((c) => c.name).join(' ')}]`,
      );
    }
  }
  if (!containers.includes(container))
    throw badRequest(`container ${container} is not valid for pod ${name}`);
  if (!pod.spec?.nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  if (opts.nodeReachable && !opts.nodeReachable(pod.spec.nodeName)) {
    const node = pod.spec.nodeName;
    throw internalError(
      `Get "https://${node}:10250/containerLogs/${namespace}/${name}/${container}": dial tcp ${node}:10250: i/o timeout`,
    );
  }

  const previous = q.get('previous') === 'true';
  const status = [
    ...(pod.status?.containerStatuses ?? []),
    ...(pod.status?.initContainerStatuses ?? []),
  ].find((s) => s.name === container);
  if (previous) {
    if (!status?.lastState?.terminated || !logs.lines(namespace, name, container, true)) {
      throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    }
  } else if (!status || (status.state?.waiting && !status.lastState?.terminated)) {
    const reason = status?.state?.waiting?.reason ?? 'ContainerCreating';
    throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ${reason}`);
  }

  const tailLines = optionalInt(q, 'tailLines');
  const sinceSeconds = optionalInt(q, 'sinceSeconds');
  const limitBytes = optionalInt(q, 'limitBytes');
  const sinceTimeRaw = q.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTimeRaw)
    throw badRequest('at most one of sinceTime or sinceSeconds may be specified');
  if (sinceSeconds !== undefined && sinceSeconds < 1)
    throw badRequest('sinceSeconds: Invalid value: must be greater than 0');
  if (tailLines !== undefined && tailLines < 0)
    throw badRequest('tailLines: Invalid value: must be greater than or equal to 0');
  const sinceMs =
    sinceSeconds !== undefined
      ? clock.now() - sinceSeconds * 1000
      : sinceTimeRaw
        ? Date.parse(sinceTimeRaw)
        : undefined;
  if (sinceMs !== undefined && Number.isNaN(sinceMs)) throw badRequest(`invalid sinceTime: ${sinceTimeRaw}`);
  const timestamps = q.get('timestamps') === 'true';
  const follow = q.get('follow') === 'true' && !previous;

  let lines = logs.lines(namespace, name, container, previous) ?? [];
  if (sinceMs !== undefined) lines = lines.filter((l) => l.atMs >= sinceMs);
  if (tailLines !== undefined) lines = tailLines === 0 ? [] : lines.slice(-tailLines);
  const render = (l: LogLine): string => (timestamps ? `${stamp(l.atMs)} ${l.text}\n` : `${l.text}\n`);

  let budget = limitBytes !== undefined && limitBytes > 0 ? limitBytes : Number.POSITIVE_INFINITY;
  const clip = (text: string): string => {
    if (budget === Number.POSITIVE_INFINITY) return text;
    const buf = Buffer.from(text);
    const out = buf.subarray(0, Math.max(0, budget)).toString('utf8');
    budget -= buf.length;
    return out;
  };

  const initial = clip(lines.map(render).join(''));
  if (!follow) {
    sendText(res, 200, initial, 'text/plain');
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  res.write(initial);
  const stop = logs.follow(namespace, name, container, (l) => {
    res.write(clip(render(l)));
    if (budget <= 0) finish();
  });
  // A follow ends when the client goes away or the pod is deleted.
  const unwatch = store.subscribe(podType.storage, (ev) => {
    if (ev.type === 'DELETED' && ev.entry.namespace === namespace && ev.entry.name === name) finish();
  });
  function finish(): void {
    stop();
    unwatch();
    res.end();
  }
  req.on('close', () => {
    stop();
    unwatch();
  });
  if (budget <= 0) finish();
}
