/**
 * The node's OS image as an operator would name it: os-release's `PRETTY_NAME` (from
 * `/etc/os-release`, else `/usr/lib/os-release`, as os-release(5) says), plus the point
 * release where the distribution keeps it outside os-release. Debian's `PRETTY_NAME` stays
 * "Debian GNU/Linux 12 (bookworm)" from 12.0 to 12.x; `/etc/debian_version` has the `12.2`.
 * The kubelet's `nodeInfo.osImage` is the bare `PRETTY_NAME`, so a point release never shows there.
 */
import type { NodeHost } from './host.ts';

/** `KEY=value` lines; values may be quoted and use shell-style backslash escapes (os-release(5)). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const m = /^([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\([\\"$`])/g, '$1');
    }
    out[m[1]] = value;
  }
  return out;
}

/** The image name, or undefined when neither os-release file can be read. */
export async function osImage(host: NodeHost): Promise<string | undefined> {
  const text = (await host.readText('/etc/os-release')) ?? (await host.readText('/usr/lib/os-release'));
  if (text === undefined) return undefined;
  const os = parseOsRelease(text);
  // os-release(5)'s default for PRETTY_NAME is "Linux".
  const pretty = os.PRETTY_NAME ?? (`${os.NAME ?? 'Linux'} ${os.VERSION ?? ''}`.trim() || 'Linux');
  // Only Debian proper: Ubuntu also ships /etc/debian_version, holding its Debian base ("bookworm/sid").
  if (os.ID !== 'debian') return pretty;
  const point = (await host.readText('/etc/debian_version'))?.trim();
  return point && !pretty.includes(point) ? `${pretty} ${point}` : pretty;
}
