/**
 * The API faults of issue 22's fault-injection suite, each as a switch on the simulator,
 * with the incidents kubetriage may honestly open for the fault itself: losing the API is
 * an outage of the control plane as seen from here (control-plane-unreachable, or
 * control-plane-degraded when only some probes went unanswered, as in a hang shorter than
 * two probe timeouts), refused credentials are their own story (credentials-rejected), and
 * an API answering a storm of 429s or 5xx is degraded (control-plane-degraded; a storm of
 * 503 to every request may read as unreachable, see the 5xx storm). Dropped
 * watches and 410s are routine for a reflector and must open nothing.
 */
import type { FaultRig } from './fault-rig.ts';
import { clusterToken } from './fault-rig.ts';

export interface FaultKind {
  name: string;
  /** Root-cause patterns an incident opened during this fault may have. */
  honest: readonly string[];
  /** One of these must have opened by the end on a healthy cluster (none: nothing to tell). */
  expectedAny: readonly string[];
  /** How long it lasts when it must outlast more than the tracker's wait (fault-rounds.ts). */
  lastsMs?: number;
  /** Switches the fault on for round `round`; returns what switches it off. */
  on(rig: FaultRig, round: number): () => void;
}

/**
 * Drops come every half second: three or four per fault, each met by every reflector. Ten
 * a second (tried) starve the test machine's one process of both the simulated apiserver
 * and serve, and serve then rightly reads an API that answers slowly.
 */
const dropEveryMs = 500;

/** Repeats `act` every `everyMs` of wall time until switched off (drops and compactions). */
function repeating(act: () => void, everyMs: number): () => void {
  act();
  const t = setInterval(act, everyMs);
  return () => clearInterval(t);
}

/**
 * A storm: every request refused on even rounds, 60 % on odd ones (a partial view is the
 * harder case). It starts with the open watches dropped, as when an apiserver restarts
 * into the storm, so that the reflectors meet it too and not only the probes.
 */
function stormRate(round: number): number {
  return round % 2 === 0 ? 1 : 0.6;
}

export const faultKinds: readonly FaultKind[] = [
  {
    name: 'API hung (connections accepted, never answered)',
    honest: ['control-plane-unreachable', 'control-plane-degraded'],
    expectedAny: ['control-plane-unreachable', 'control-plane-degraded'],
    // Open watches only notice through the watchdog (1.5 s), hung probes through their timeout (1 s).
    lastsMs: 2_500,
    on(rig) {
      rig.sim.faults.set({ unreachable: 'hang' });
      return () => rig.sim.faults.clear();
    },
  },
  {
    name: 'API refusing connections',
    honest: ['control-plane-unreachable', 'control-plane-degraded'],
    expectedAny: ['control-plane-unreachable'],
    on(rig) {
      rig.sim.faults.set({ unreachable: 'refuse' });
      return () => rig.sim.faults.clear();
    },
  },
  {
    name: '401: the token was rotated',
    honest: ['credentials-rejected'],
    expectedAny: ['credentials-rejected'],
    on(rig, round) {
      rig.sim.server.setToken(`rotated-${round}-${clusterToken}`);
      // Open watches were authenticated when they began: end them, as the apiserver's
      // timeout would in time, so the reflectors meet the rotation too.
      rig.sim.server.dropWatches();
      return () => rig.sim.server.setToken(clusterToken);
    },
  },
  {
    name: '429 storm',
    honest: ['control-plane-degraded'],
    expectedAny: [],
    on(rig, round) {
      rig.sim.faults.set({ errors: { rate: stormRate(round), code: 429, retryAfterSeconds: 1 } });
      rig.sim.server.dropWatches();
      return () => rig.sim.faults.clear();
    },
  },
  {
    name: '5xx storm',
    // 503 on every request reads as nothing behind the endpoint answering (api-health's
    // `unanswered`: a balancer's 502/503/504), so a round of 503 to everything may honestly
    // open control-plane-unreachable; 500s and a share of 503s read as degraded.
    honest: ['control-plane-degraded', 'control-plane-unreachable'],
    expectedAny: [],
    on(rig, round) {
      rig.sim.faults.set({ errors: { rate: stormRate(round), code: round % 4 < 2 ? 503 : 500 } });
      rig.sim.server.dropWatches();
      return () => rig.sim.faults.clear();
    },
  },
  {
    name: 'watches dropped mid-stream',
    honest: [],
    expectedAny: [],
    on(rig) {
      return repeating(() => rig.sim.server.dropWatches(), dropEveryMs);
    },
  },
  {
    name: '410 Gone storm on watches',
    honest: [],
    expectedAny: [],
    on(rig) {
      // History compacted under every dropped watch: each resumes into a 410 and relists.
      return repeating(() => {
        rig.sim.server.dropWatches();
        rig.sim.store.compact();
      }, dropEveryMs);
    },
  },
];

export function faultKind(name: string): FaultKind {
  const k = faultKinds.find((f) => f.name.startsWith(name));
  if (!k) throw new Error(`no fault kind ${name}`);
  return k;
}
