/**
 * A registry refuses or cannot serve pulls: images fail to pull across nodes and namespaces
 * for the registry's own reasons (unauthorized after a credential change, 429 rate limits,
 * 5xx from the registry, unreachable, timeouts), so every new pod of the affected images stays in ErrImagePull or
 * ImagePullBackOff, which hurts most during a rollout or a node pool roll.
 *
 * Told apart from: node disk exhaustion (no space left on device, with DiskPressure), one
 * bad tag (not found on one image only).
 */
import { hitOn } from '../evidence/clauses.ts';
import { definePattern } from '../pattern.ts';
import { at, count, names, said } from '../slots.ts';

export const registryPulls = definePattern((q) => {
  const failing = q.of('registry-pulls-failing');
  const noSpace = q.of('node-pressure').filter((p) => p.facts.imagePullNoSpace > 0);
  // One case per failing registry; with none, one empty case the requirement turns down.
  return (failing.length ? failing : [undefined]).map((r) => ({ r, noSpace }));
})({
  id: 'image-pull-failure',
  family: 'images',
  layer: 'node',
  title: 'A registry refuses or cannot serve image pulls',
  summary:
    'A registry refuses or cannot serve pulls: images fail to pull across nodes and namespaces for the registry\'s own reasons (unauthorized after a credential change, 429 rate limits, unreachable, timeouts), so new pods of those images stay in ErrImagePull or ImagePullBackOff, which hurts most during a rollout or a node pool roll. Told apart from node disk exhaustion ("no space left on device" with DiskPressure) and one bad tag (not found on one image only).',
  clusterLevel: true,
  base: 0.5,
  requires: [
    {
      id: 'registry-failing-pulls',
      weight: 0,
      reason: 'pulls from one registry failing for several images or on several nodes',
      reads: ['registry-pulls-failing'],
      test: (c) => hitOn([c.r]),
    },
  ],
  supports: [
    {
      id: 'registry-says-why',
      weight: 0.15,
      reason: 'the registry answers {cause}',
      reads: ['registry-pulls-failing'],
      test: (c) => {
        // Answers from the registry itself: 401/403, 429, 5xx (timeouts and refused connections are the path's).
        const why = c.r?.facts.causes.find((x) => /^(unauthorized|rate-limited|unavailable)=/.test(x));
        return c.r && why ? { signals: [c.r], slots: { cause: said(why.split('=')[0], c.r)! } } : undefined;
      },
    },
    {
      id: 'across-the-fleet',
      weight: 0.1,
      reason: 'it fails on {nodeCount} nodes',
      reads: ['registry-pulls-failing'],
      test: (c) =>
        c.r && c.r.facts.nodeCount >= 3
          ? { signals: [c.r], slots: { nodeCount: count(c.r.facts.nodeCount, c.r)! } }
          : undefined,
    },
  ],
  against: [
    {
      id: 'nodes-out-of-space',
      weight: -0.3,
      reason: 'pulls also fail with "no space left on device" on short nodes',
      reads: ['node-pressure'],
      test: (c) => hitOn(c.noSpace),
    },
  ],
  severity: (c) =>
    c.r?.severity === 'critical' || (c.r?.facts.nodeCount ?? 0) >= 3 ? 'critical' : 'warning',
  onset: (c, q) => c.r?.sinceMs ?? q.nowMs,
  blastRadius: (c) => ({ nodes: c.r?.facts.nodes ?? [], namespaces: c.r?.facts.namespaces ?? [] }),
  evidence: (c) => (c.r ? [c.r] : []),
  slots: {
    registry: (c) => said(c.r?.facts.registry, c.r),
    images: (c) => names(c.r?.facts.images ?? [], c.r, 3),
    causes: (c) => names(c.r?.facts.causes ?? [], c.r, 3),
    since: (c) => at(c.r?.sinceMs, c.r),
    message: (c) => said(c.r?.facts.message.slice(0, 160), c.r),
  },
  statement: 'Pulls from {registry} fail since {since} ({causes}) for {images}[: "{message}"].',
  nextSteps: [
    {
      say: 'See the pull errors',
      command: 'kubectl get events -A --field-selector reason=Failed | grep -i pull',
    },
    {
      say: 'Check the pull credentials (imagePullSecrets, node IAM) and the registry status page; for 429, authenticate pulls or use a mirror',
    },
    { say: 'Hold rollouts and node pool rolls until pulls work: running pods keep their images' },
  ],
  lookAlikes: ['node-disk-exhaustion'],
  public: {
    components: ['Workloads'],
    title: 'New workloads failing to start',
    cause: 'container images cannot be downloaded',
    outage: 'partial',
  },
  prevention: [
    'Mirror the images you run in a registry you control',
    'Alert on pull failures by registry, not only by pod',
  ],
});
