/**
 * Histogram buckets, chosen from what the durations are in this domain rather than from
 * prom-client's defaults. Buckets are fixed at exposition time and every one is a series
 * per label set, so there are few of them and they sit where the answers change.
 */

/**
 * Time to detect and to identify, in seconds: from the failure's onset (as its signals
 * date it) to the incident opening, or to it becoming Identified.
 *
 * - 15 s to 2 min: kubetriage's own reach. A pattern must hold for two rounds and most
 *   signals need a grace period first (a node is NotReady only after the node controller's
 *   grace period, a crash loop after a few restarts), so a minute or two is the good case.
 * - 5, 10, 15, 30 min: how long it takes people without the tool: paging alerts usually
 *   fire after 5 to 15 minutes of a condition, and a responder needs more to name the
 *   cause. These buckets show whether the tool beats that.
 * - 1 to 24 h: slow burns whose onset lies far back: a certificate expiring, a node
 *   problem that recurs daily (onsets are remembered for days), a rollout that broke a
 *   corner an hour before anyone leaned on it.
 */
export const detectionBuckets: readonly number[] = [
  15,
  30,
  60,
  120,
  300,
  600,
  900,
  1800,
  3600,
  3 * 3600,
  6 * 3600,
  24 * 3600,
];

/**
 * Probe latency, in seconds: the API server's /livez, /readyz and /version, kube-proxy and
 * ingress metrics through the API server proxy, log reads. A healthy API server answers
 * health checks in a few milliseconds; the apiserver's own SLO is 1 s for a single-object
 * call; every probe gives up at 5 s (its timeout), so a 5 s bucket holds the timeouts and
 * nothing lands above 10 s. Fine steps below 100 ms, where an overloaded server first shows.
 */
export const probeBuckets: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
