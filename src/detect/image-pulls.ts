/**
 * Image pulls failing, by cause: the kubelet's `Failed` (`Failed to pull image "x": …`),
 * `ErrImagePull` and `BackOff` (`Back-off pulling image "x"`) Events, read for the image,
 * its registry and why (not found, unauthorized, rate limited, no space, timeout,
 * unreachable: event-messages.ts). The kubelet backs off image pulls up to 300 s
 * (`MaxImageBackOff`, K:pkg/kubelet/kubelet.go), so a pull still failing has an Event in
 * the last 10 min.
 *
 * Emits:
 * - `image-pull-failing` per image (subject `image/<image>`, warning; critical for a
 *   kube-system pod failing for 10 min or more). Facts: see ImagePullFailingFacts.
 * - `registry-pulls-failing` per registry (subject `registry/<host>`) when its pulls fail
 *   for a registry-side reason (rate limited, unauthorized, unavailable, timeout,
 *   unreachable) for 2 or more images or on 3 or more nodes: the registry or the way to it,
 *   not a tag. Also for one image on one node when the registry itself answers that it
 *   cannot serve (5xx, 429) for 5 minutes: by then the kubelet's back-off (10 s doubling)
 *   has retried five times, and a registry's own error is no tag's fault. Warning; critical
 *   on 3 or more nodes in 2 or more namespaces.
 *
 * A waiting pod's container message adds the last pull error it names (see below).
 *
 * `unavailable` is a registry answering 5xx (`received unexpected HTTP status: 500 Internal
 * Server Error`, `unexpected status from HEAD request to …: 503 Service Unavailable`,
 * `… failed with status code [manifests v1]: 502 Bad Gateway`), which the shared parser
 * leaves as `other`; the typed `cause` fact reports it as `unreachable`.
 */
import type { EventRecord } from '../observe/event-ledger.ts';
import { type ImagePullCause, parseImagePullMessage, registryOf } from './event-messages.ts';
import {
  bump,
  countsText,
  eventCounts,
  firstMs,
  groupBy,
  newestEvidence,
  nodeOf,
  persistentSeverity,
  podOf,
  recentEvents,
} from './event-records.ts';
import type { Detector, Signal } from './signal.ts';
import { uniqueSorted } from './signal.ts';

export const imagePullWindowMs = 10 * 60_000;
/** One registry failing for itself this long is an outage even on one node (see above). */
export const registryAnswerPersistsMs = 5 * 60_000;

/** The parser's causes, plus a registry's own 5xx. */
type PullCause = ImagePullCause | 'unavailable';
const registrySide = new Set<PullCause>([
  'rate-limited',
  'unauthorized',
  'unavailable',
  'timeout',
  'unreachable',
]);
/** Answers in which the registry says it cannot serve, whatever the image. */
const registryAnswers = new Set<PullCause>(['rate-limited', 'unavailable']);
const serverError = /\b5\d\d (Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out)\b/i;

function pullCause(message: string, parsed: ImagePullCause): PullCause {
  return parsed === 'other' && serverError.test(message) ? 'unavailable' : parsed;
}

interface PodPull {
  pod: string;
  namespace: string;
  node: string;
  image: string;
  registry: string;
  causes: Set<PullCause>;
  records: EventRecord[];
  waiting: boolean;
  /** Since when a waiting pod has been not Ready: its pulls have failed at least that long. */
  waitingSinceMs: number;
}

/** Causes that say nothing of why (`Back-off pulling image`, `Error: ErrImagePull`). */
const uninformative = new Set<PullCause>(['back-off', 'other']);

/** The pod's dominant cause: any specific one before `other`, before a bare back-off. */
function causeOf(p: PodPull): PullCause {
  const specific = [...p.causes].filter((c) => !uninformative.has(c)).sort();
  return specific[0] ?? (p.causes.has('other') ? 'other' : 'back-off');
}

function imageOfContainer(view: Parameters<Detector>[0], r: EventRecord): string {
  const container = /\{(.+)\}/.exec(r.fieldPath)?.[1];
  const pod = podOf(view, r);
  return (
    pod?.spec?.containers?.find((c) => c.name === container)?.image ?? pod?.spec?.containers?.[0]?.image ?? ''
  );
}

export const imagePulls: Detector = (view, nowMs) => {
  const records = recentEvents(view, 'image', nowMs, imagePullWindowMs).filter((r) => r.kind === 'Pod');
  if (records.length === 0) return [];
  const pulls = new Map<string, PodPull>();
  for (const r of records) {
    const m = parseImagePullMessage(r.message);
    const image = m.image || imageOfContainer(view, r);
    if (!image) continue;
    const key = `${r.namespace}/${r.name}|${image}`;
    let p = pulls.get(key);
    if (!p) {
      const pod = podOf(view, r);
      const pullWaits = (pod?.status?.containerStatuses ?? []).filter((c) =>
        /^(ErrImagePull|ImagePullBackOff)$/.test(c.state?.waiting?.reason ?? ''),
      );
      const waiting = pullWaits.length > 0;
      const notReady = pod?.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'False');
      p = {
        pod: `${r.namespace}/${r.name}`,
        namespace: r.namespace,
        node: nodeOf(view, r),
        image,
        registry: m.registry || registryOf(image),
        causes: new Set(),
        records: [],
        waiting,
        waitingSinceMs: (waiting && Date.parse(notReady?.lastTransitionTime ?? '')) || nowMs,
      };
      pulls.set(key, p);
      // The waiting message keeps the last pull error ("Back-off pulling image "x": ErrImagePull:
      // <error>", image_manager.go prevPullErrMsg) after the recorder's spam filter has let the
      // Failed event age out; older kubelets say only "Back-off pulling image" (no cause).
      const ofImage = new Set(pod?.spec?.containers?.filter((c) => c.image === image).map((c) => c.name));
      for (const c of pullWaits.filter((w) => ofImage.has(w.name))) {
        const said = (c.state?.waiting?.message ?? '').replace(/^Back-off pulling image "[^"]*": /, '');
        p.causes.add(pullCause(said, parseImagePullMessage(said).cause));
      }
    }
    p.causes.add(pullCause(r.message, m.cause));
    p.records.push(r);
  }
  const out: Signal[] = [];
  for (const [image, list] of [...groupBy(pulls.values(), (p) => p.image)].sort((a, b) =>
    a[0].localeCompare(b[0]),
  )) {
    const causes = new Map<string, number>();
    for (const p of list) bump(causes, causeOf(p));
    const recs = list.flatMap((p) => p.records);
    const namespaces = uniqueSorted(list.map((p) => p.namespace));
    const nodes = uniqueSorted(list.map((p) => p.node).filter(Boolean));
    const ranked = countsText(causes);
    const top = (ranked.find((c) => !uninformative.has(c.split('=')[0] as PullCause)) ?? ranked[0]).split(
      '=',
    )[0] as PullCause;
    const system = namespaces.includes('kube-system');
    out.push({
      detector: 'image-pulls',
      kind: 'image-pull-failing',
      subject: `image/${image}`,
      severity: persistentSeverity(system, recs, nowMs),
      sinceMs: firstMs(recs),
      summary:
        `pulling ${image} fails (${top}) for ${list.length} pod(s) on ${nodes.length} node(s); ` +
        `see kubectl describe pod -n ${list[0].namespace} ${list[0].pod.split('/')[1]}`,
      scope: { namespaces, nodes },
      facts: {
        ...eventCounts(recs, imagePullWindowMs),
        image,
        registry: list[0].registry,
        cause: top === 'unavailable' ? 'unreachable' : top,
        causes: ranked,
        pods: list.length,
        namespaces,
        nodes,
        waitingPods: list.filter((p) => p.waiting).length,
        systemComponent: system,
      },
      evidence: newestEvidence(recs, 3),
    });
  }
  const clusterNodes = view.count('nodes');
  for (const [registry, list] of [...groupBy(pulls.values(), (p) => p.registry)].sort((a, b) =>
    a[0].localeCompare(b[0]),
  )) {
    const sided = list.filter((p) => registrySide.has(causeOf(p)));
    if (sided.length === 0) continue;
    const images = uniqueSorted(sided.map((p) => p.image));
    const nodes = uniqueSorted(sided.map((p) => p.node).filter(Boolean));
    const recs = sided.flatMap((p) => p.records);
    // Events are folded and rate-limited, so the pods' own not-Ready time says how long too.
    const failingSince = Math.min(firstMs(recs), ...sided.map((p) => p.waitingSinceMs));
    const answersForItself =
      sided.every((p) => registryAnswers.has(causeOf(p))) && nowMs - failingSince >= registryAnswerPersistsMs;
    if (images.length < 2 && nodes.length < 3 && !answersForItself) continue;
    const namespaces = uniqueSorted(sided.map((p) => p.namespace));
    const causes = new Map<string, number>();
    for (const p of sided) bump(causes, causeOf(p));
    out.push({
      detector: 'image-pulls',
      kind: 'registry-pulls-failing',
      subject: `registry/${registry}`,
      severity: nodes.length >= 3 && namespaces.length >= 2 ? 'critical' : 'warning',
      sinceMs: firstMs(recs),
      summary:
        `pulls from ${registry} fail (${countsText(causes, 3).join(', ')}) for ${images.length} image(s) on ` +
        `${nodes.length} node(s); see kubectl get events -A --field-selector reason=Failed`,
      scope: { namespaces, nodes },
      facts: {
        ...eventCounts(recs, imagePullWindowMs),
        registry,
        causes: countsText(causes),
        images: images.slice(0, 20),
        imageCount: images.length,
        pods: sided.length,
        namespaces,
        nodes,
        nodeCount: nodes.length,
        clusterNodes,
      },
      evidence: newestEvidence(recs, 5),
    });
  }
  return out;
};
