/**
 * The krew plugin manifest of a release, built from the committed template
 * (triage.template.yaml) and the release's SHA256SUMS, and held to the rules krew itself
 * applies before it installs a plugin (sigs.k8s.io/krew internal/index/validation/validate.go,
 * ValidatePlugin and validatePlatform; https://krew.sigs.k8s.io/docs/developer-guide/plugin-manifest/).
 * Pure: reading and writing files is generate.ts's part.
 */
import { parse } from 'yaml';

export const releaseBase = 'https://github.com/kubetriage/kubetriage/releases/download';

interface Platform {
  selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string }[] };
  uri?: string;
  sha256?: string;
  bin: string;
  files?: { from?: string; to?: string }[];
}

export interface KrewPlugin {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    version?: string;
    homepage?: string;
    shortDescription?: string;
    description?: string;
    caveats?: string;
    platforms: Platform[];
  };
}

/** `sha256sum` output: `<64 hex>  <file>` (or ` *<file>` in binary mode), one per line. */
export function parseSha256Sums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.trim());
    if (m) sums.set(m[2].trim().replace(/^\.\//, ''), m[1].toLowerCase());
  }
  return sums;
}

/** The archive a platform downloads: kubectl-triage_<os>_<arch>.tar.gz. */
export function archiveName(p: Platform): string {
  const { os, arch } = p.selector.matchLabels ?? {};
  if (!os || !arch) throw new Error('each template platform needs matchLabels os and arch to name its archive');
  return `kubectl-triage_${os}_${arch}.tar.gz`;
}

/**
 * The release manifest: the template with the version, each platform's download URI and
 * its checksum. Throws (and so writes nothing) when an archive has no checksum, rather than
 * shipping a manifest krew would refuse or, worse, one that installs an unchecked archive.
 */
export function releaseManifest(templateText: string, version: string, sums: Map<string, string>): KrewPlugin {
  const plugin = parse(templateText) as KrewPlugin;
  const missing = plugin.spec.platforms.map(archiveName).filter((a) => !sums.has(a));
  if (missing.length)
    throw new Error(`no sha256 for ${missing.join(', ')} in the checksum file: refusing to write the manifest`);
  plugin.spec = {
    ...plugin.spec,
    version,
    platforms: plugin.spec.platforms.map((p) => {
      const archive = archiveName(p);
      return { selector: p.selector, uri: `${releaseBase}/${version}/${archive}`, sha256: sums.get(archive), bin: p.bin };
    }),
  };
  const problems = krewProblems(plugin, plugin.metadata.name);
  if (problems.length) throw new Error(`the manifest would not pass krew's checks: ${problems.join('; ')}`);
  return plugin;
}

// semver.org's regular expression, behind krew's required "v" (the manifest guide: "Note the
// prefix 'v' is required").
const semverWithV =
  /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** What krew's ValidatePlugin would reject, for a manifest kept as `<fileName>.yaml`; [] when none. */
export function krewProblems(p: KrewPlugin, fileName: string): string[] {
  const out: string[] = [];
  if (p.apiVersion !== 'krew.googlecontainertools.github.com/v1alpha2') out.push(`apiVersion ${p.apiVersion}`);
  if (p.kind !== 'Plugin') out.push(`kind ${p.kind}`);
  if (!/^[\w-]+$/.test(p.metadata?.name ?? '')) out.push(`name ${p.metadata?.name} is not [\\w-]+`);
  if (p.metadata?.name !== fileName) out.push(`name ${p.metadata?.name} is not the file's name ${fileName}`);
  const short = p.spec?.shortDescription ?? '';
  if (!short || /[\r\n]/.test(short)) out.push('shortDescription must be one non-empty line');
  if (!p.spec?.version || !semverWithV.test(p.spec.version)) out.push(`version ${p.spec?.version} is not v<semver>`);
  if (!p.spec?.platforms?.length) out.push('no platform');
  for (const [i, pl] of (p.spec?.platforms ?? []).entries()) {
    if (!pl.uri) out.push(`platform ${i}: no uri`);
    if (!/^[a-f0-9]{64}$/.test(pl.sha256 ?? '')) out.push(`platform ${i}: sha256 ${pl.sha256} is not 64 lowercase hex`);
    if (!pl.bin) out.push(`platform ${i}: no bin`);
    if (pl.files && (!pl.files.length || pl.files.some((f) => !f.from || !f.to)))
      out.push(`platform ${i}: files needs from and to`);
    const labels = pl.selector?.matchLabels;
    const exprs = pl.selector?.matchExpressions;
    const keys = [...Object.keys(labels ?? {}), ...(exprs ?? []).map((e) => e.key)];
    if (!pl.selector || (!labels && !exprs?.length)) out.push(`platform ${i}: empty selector`);
    else if ((labels && !Object.keys(labels).length) || (exprs && !exprs.length))
      out.push(`platform ${i}: matchLabels or matchExpressions given but empty`);
    for (const k of keys) if (k !== 'os' && k !== 'arch') out.push(`platform ${i}: selector key ${k}`);
  }
  return out;
}
