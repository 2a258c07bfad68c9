/** Times and labels as the dashboard shows them: UTC, like the postmortem and kubectl. */

export function utc(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function clockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

export function ago(ms: number | undefined, nowMs: number): string {
  if (ms === undefined) return '—';
  const s = Math.max(0, Math.round((nowMs - ms) / 1000));
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

export const statusLabel: Record<string, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

export function percent(x: number): string {
  return `${Math.round(x * 100)}%`;
}
