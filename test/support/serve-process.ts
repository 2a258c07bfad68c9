/** For tests that spawn `kubetriage serve`: what it wrote to stderr, and the URL it logged. */
import type { ChildProcess } from 'node:child_process';

export interface ServeOutput {
  stderr: () => string;
  /** `http://127.0.0.1:PORT` once serve has logged that it is serving. */
  origin: () => string | undefined;
}

export function watchServe(child: ChildProcess): ServeOutput {
  let err = '';
  child.stderr?.on('data', (d) => {
    err += d;
  });
  return {
    stderr: () => err,
    origin: () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(err)?.[1],
  };
}
