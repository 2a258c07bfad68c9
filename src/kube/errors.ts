/**
 * Why kubetriage could not reach or use a cluster. Every failure names the object involved
 * (a file, a context, a server URL) and carries a hint with the next step, because the
 * person reading it is usually mid-incident and the cluster itself may be what is broken.
 */

export type KubeAccessErrorCode =
  | 'kubeconfig-missing'
  | 'kubeconfig-invalid'
  | 'context-missing'
  | 'no-cluster'
  | 'unreachable'
  | 'unauthorized'
  | 'forbidden'
  | 'protocol';

export interface KubeAccessErrorOptions {
  code: KubeAccessErrorCode;
  /** The next thing to try, e.g. `run kubectl config get-contexts`. */
  hint: string;
  cause?: unknown;
}

export class KubeAccessError extends Error {
  readonly code: KubeAccessErrorCode;
  readonly hint: string;

  constructor(message: string, opts: KubeAccessErrorOptions) {
    // Leave `cause` unset rather than undefined so error printers do not show an empty cause.
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KubeAccessError';
    this.code = opts.code;
    this.hint = opts.hint;
  }
}
