/**
 * Benchmark client, run in its own process (a real client never shares the server's
 * event loop): pages through all pods 500 at a time and prints one JSON line with how
 * many it got and how long it took. With --parse it also parses every page, as
 * kubectl or an informer would.
 */
import { performance } from 'node:perf_hooks';

const [url, mode] = process.argv.slice(2);
const parse = mode === '--parse';
// Every object carries exactly one creationTimestamp (in its metadata).
const itemStart = '"creationTimestamp":';

let token = '';
let objects = 0;
let bytes = 0;
const started = performance.now();
do {
  const res = await fetch(
    `${url}/api/v1/pods?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}`,
  );
  const text = await res.text();
  bytes += text.length;
  if (parse) {
    const body = JSON.parse(text) as { items: unknown[]; metadata: { continue?: string } };
    objects += body.items.length;
    token = body.metadata.continue ?? '';
  } else {
    // The list metadata comes first; count items without a full parse.
    const m = /"continue":"([^"]+)"/.exec(text.slice(0, 512));
    token = m ? m[1] : '';
    for (let at = text.indexOf(itemStart); at >= 0; at = text.indexOf(itemStart, at + 1)) objects++;
  }
} while (token);
process.stdout.write(`${JSON.stringify({ objects, bytes, ms: performance.now() - started })}\n`);
