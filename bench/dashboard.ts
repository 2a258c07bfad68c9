/**
 * The dashboard's cost at the scale limit: the node map of 5,000 nodes (encode time, JSON
 * and gzip size per poll) and the built app (the JavaScript a browser loads once).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { encodeNodeMap, type NodeCell, type NodeState } from '../src/server/dashboard-nodes.ts';
import { seededRandom } from '../src/time/virtual-clock.ts';
import type { Figure } from './figure.ts';

/** AKS-style names over 10 pools and two kubelet versions, a few percent not Ready. */
function cells(count: number): NodeCell[] {
  const rand = seededRandom(7);
  const states: NodeState[] = ['R', 'N', 'U', 'C'];
  return Array.from({ length: count }, (_, i) => {
    const pool = `pool${i % 10}`;
    const r = rand();
    return {
      name: `aks-${pool}-${(12345678 + (i % 10)).toString()}-vmss${i.toString(36).padStart(6, '0')}`,
      pool,
      version: i % 3 === 0 ? 'v1.30.4' : 'v1.31.2',
      state: r < 0.95 ? 'R' : states[1 + Math.floor(rand() * 3)],
    };
  });
}

export async function dashboard(o: {
  nodes: number;
  report: (f: Figure) => void;
  progress: (m: string) => void;
}): Promise<void> {
  const input = cells(o.nodes);
  o.progress(`encoding the node map of ${o.nodes} nodes`);
  encodeNodeMap(input, 0); // warm up
  const times: number[] = [];
  for (let k = 0; k < 30; k++) {
    const t = performance.now();
    encodeNodeMap(input, 0);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const json = JSON.stringify(encodeNodeMap(input, 0));
  const bench = 'dashboard';
  o.report({ bench, figure: `node map encode (${o.nodes} nodes, median)`, value: times[15], unit: 'ms' });
  o.report({ bench, figure: `node map JSON (${o.nodes} nodes)`, value: json.length / 1024, unit: 'KiB' });
  o.report({
    bench,
    figure: `node map gzip (${o.nodes} nodes)`,
    value: gzipSync(json).length / 1024,
    unit: 'KiB',
  });
  const assets = join(import.meta.dirname, '..', 'dist', 'web', 'assets');
  if (!existsSync(assets)) {
    o.progress('dist/web not built (npm run build:web): app size not measured');
    return;
  }
  const js = readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(assets, f)));
  const total = js.reduce((n, b) => n + b.length, 0);
  const gz = js.reduce((n, b) => n + gzipSync(b).length, 0);
  o.report({ bench, figure: 'app JavaScript', value: total / 1024, unit: 'KiB' });
  o.report({ bench, figure: 'app JavaScript gzip', value: gz / 1024, unit: 'KiB' });
}
