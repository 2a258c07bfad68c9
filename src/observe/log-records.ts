/**
 * Turns a batch of raw component log lines into structured records: klog for Kubernetes
 * components (multi-line `key=<` values are joined into their record), CoreDNS's
 * `[LEVEL] plugin/name: msg` otherwise. Lines that are neither are kept as they came:
 * a garbage line is evidence of something too, and must never stop the rest.
 */
import { type CorednsRecord, parseCorednsLine } from './coredns-log.ts';
import { type KlogRecord, parseKlogLines } from './klog.ts';

export type LogRecord =
  | { format: 'klog'; record: KlogRecord }
  | { format: 'coredns'; record: CorednsRecord }
  | { format: 'raw'; text: string };

export function parseLogBatch(lines: readonly string[], atMs: number): LogRecord[] {
  const year = new Date(atMs).getUTCFullYear();
  const klog = parseKlogLines(lines, year);
  // A batch from a Kubernetes component is (almost) all klog; anything else is tried as CoreDNS.
  if (klog.records.length > 0 && klog.unparsed <= klog.records.length) {
    const out: LogRecord[] = klog.records.map((record) => ({ format: 'klog', record }));
    if (klog.unparsed > 0) {
      const kept = new Set(klog.records.flatMap((r) => r.raw.split('\n')));
      for (const line of lines) if (line.trim() && !kept.has(line)) out.push({ format: 'raw', text: line });
    }
    return out;
  }
  return lines
    .filter((l) => l.trim() !== '')
    .map((text): LogRecord => {
      const record = parseCorednsLine(text);
      return record ? { format: 'coredns', record } : { format: 'raw', text };
    });
}
