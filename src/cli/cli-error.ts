/**
 * The CLI's own error type and exit codes, free of imports so that the start-up path
 * (main.ts, the config file, global flags) can use them without loading the application.
 * errors.ts re-exports them beside `describeFailure`, which knows every module's errors.
 */

export const exitCodes = { ok: 0, failed: 1, usage: 2, unavailable: 3 } as const;

export class CliError extends Error {
  readonly exitCode: number;
  readonly hint: string | undefined;
  /** The command already said everything on stdout; only the exit code is left to set. */
  readonly quiet: boolean;

  constructor(
    message: string,
    opts: { exitCode?: number; hint?: string; cause?: unknown; quiet?: boolean } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'CliError';
    this.exitCode = opts.exitCode ?? exitCodes.failed;
    this.hint = opts.hint;
    this.quiet = opts.quiet ?? false;
  }
}

/** A command that ran and found problems (e.g. an unhealthy cluster): exit 1, nothing more to print. */
export function problemsFound(what: string): CliError {
  return new CliError(what, { exitCode: exitCodes.failed, quiet: true });
}

export function usageError(message: string, hint?: string): CliError {
  return new CliError(message, { exitCode: exitCodes.usage, hint });
}
