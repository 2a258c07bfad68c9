/**
 * The one place where failures become exit codes, so scripts can rely on them:
 * 0 ok, 1 a command ran and found a problem or failed, 2 bad usage or input,
 * 3 a needed service (cluster, database) could not be reached, or a store could not be read.
 */
import { StoreError } from '../incident/store/store.ts';
import { KubeAccessError } from '../kube/errors.ts';
import { ScenarioError } from '../sim/scenario/loader.ts';
import { CliError, exitCodes } from './cli-error.ts';

export { CliError, exitCodes, problemsFound, usageError } from './cli-error.ts';

/** Turns any thrown value into a message for stderr and an exit code. */
export function describeFailure(err: unknown): { message: string; exitCode: number } {
  if (err instanceof KubeAccessError) {
    // A kubeconfig that does not hold together (a context naming no cluster, or one it
    // never defines) is the caller's input to fix, like a missing file or context.
    const exitCode =
      err.code === 'unreachable'
        ? exitCodes.unavailable
        : err.code.startsWith('kubeconfig') || err.code === 'context-missing' || err.code === 'no-cluster'
          ? exitCodes.usage
          : exitCodes.failed;
    return { message: `${err.message}\n  next: ${err.hint}`, exitCode };
  }
  if (err instanceof ScenarioError) {
    // Bad scenario input: name the file, line and field (the message does) and say what to run.
    return {
      message: `${err.message}\n  next: fix the file, or run \`kubetriage scenarios\` for the shipped ones`,
      exitCode: exitCodes.usage,
    };
  }
  if (err instanceof StoreError) {
    // The record could not be opened or read: a service problem, not the command's input.
    return {
      message: err.hint ? `${err.message}\n  next: ${err.hint}` : err.message,
      exitCode: exitCodes.unavailable,
    };
  }
  if (err instanceof CliError) {
    if (err.quiet) return { message: '', exitCode: err.exitCode };
    return {
      message: err.hint ? `${err.message}\n  next: ${err.hint}` : err.message,
      exitCode: err.exitCode,
    };
  }
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EADDRINUSE') {
    return {
      message: `${e.message}\n  next: choose another --port, or stop whatever is listening there`,
      exitCode: exitCodes.unavailable,
    };
  }
  if (e?.code === 'EACCES') {
    return {
      message: `${e.message}\n  next: use a port above 1024 or check file permissions`,
      exitCode: exitCodes.unavailable,
    };
  }
  return { message: e?.stack ?? String(err), exitCode: exitCodes.failed };
}
