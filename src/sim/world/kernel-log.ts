/**
 * Each machine's kernel ring buffer (what `dmesg` and journald's kernel transport show):
 * lines the kernel wrote, with the time it wrote them. Bounded per machine, as the ring
 * buffer is, so a flood of messages keeps only the latest. A node agent reads it the way
 * node-problem-detector's kernel monitor reads /dev/kmsg.
 */

export interface KernelLine {
  atMs: number;
  text: string;
}

/** Lines kept per machine (the default 256 KiB ring holds a few thousand). */
const ringSize = 2000;

export class KernelLog {
  private readonly rings = new Map<string, KernelLine[]>();

  append(node: string, atMs: number, text: string): void {
    let ring = this.rings.get(node);
    if (!ring) {
      ring = [];
      this.rings.set(node, ring);
    }
    ring.push({ atMs, text });
    if (ring.length > ringSize) ring.splice(0, ring.length - ringSize);
  }

  /** The machine's lines at or after `sinceMs`, oldest first. */
  lines(node: string, sinceMs = Number.NEGATIVE_INFINITY): readonly KernelLine[] {
    const ring = this.rings.get(node) ?? [];
    return sinceMs === Number.NEGATIVE_INFINITY ? ring : ring.filter((l) => l.atMs >= sinceMs);
  }

  /** The machine is gone (replaced or scaled away). */
  forget(node: string): void {
    this.rings.delete(node);
  }
}
