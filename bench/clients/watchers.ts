/**
 * Benchmark client, run in its own process: opens N watches on pods from a given
 * resourceVersion, prints `ready` once all are streaming, and prints one JSON line when
 * every watcher has received the expected number of events (counted by their newline
 * terminators, without parsing).
 */
import { get } from 'node:http';
import { performance } from 'node:perf_hooks';

const [url, rv, watchersArg, expectedArg] = process.argv.slice(2);
const watchers = Number(watchersArg);
const expected = Number(expectedArg);
const counts = new Array<number>(watchers).fill(0);
const done = new Array<boolean>(watchers).fill(false);
let open = 0;
let finished = 0;
let firstEventAt = 0;

for (let w = 0; w < watchers; w++) {
  get(`${url}/api/v1/pods?watch=1&resourceVersion=${rv}`, (res) => {
    if (++open === watchers) process.stdout.write('ready\n');
    res.on('data', (chunk: Buffer) => {
      if (!firstEventAt) firstEventAt = performance.now();
      for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) counts[w]++;
      if (done[w] || counts[w] < expected) return;
      done[w] = true;
      if (++finished === watchers) {
        process.stdout.write(
          `${JSON.stringify({ events: expected, watchers, msFromFirstEvent: performance.now() - firstEventAt })}\n`,
        );
        process.exit(0);
      }
    });
  }).on('error', (err) => {
    process.stderr.write(`watcher ${w}: ${err.message}\n`);
    process.exit(1);
  });
}
