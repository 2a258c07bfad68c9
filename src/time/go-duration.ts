/**
 * Go's `time.Duration.String()` at second precision (`3s`, `23m4s`, `1h0m0s`, `0s`): the
 * way Kubernetes components and the node agent's report write durations in messages
 * (docs/node-agent-report.md §1), so what kubetriage writes reads like what the cluster does.
 */
export function goDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}
